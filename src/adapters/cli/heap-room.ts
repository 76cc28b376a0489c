import { getHeapStatistics } from 'node:v8'

const MB = 1024 * 1024

/** What the heap holds besides the calls: code, schemas, open mirrors (about 50–60 MB live in the bench's snapshots). */
const BASELINE_BYTES = 64 * MB

/**
 * The most a call in flight may hold: the service refuses a document once its estimate of what
 * the document holds passes 8 bytes per byte read (413), and the body's own text comes on top
 * (docs/security.md). Real calls hold far less: RowData about 1.2 times its body, TableSchema 2.7.
 */
const HEAP_PER_BODY_BYTE = 9

/**
 * The heap the in-flight budget needs, against the heap ceiling this process runs with
 * (`--max-old-space-size`, bin/tenant-mirror.js). A ceiling below what the budget lets calls hold
 * would end the process with "heap out of memory" under load instead of answering busy.
 */
export function heapShortfall(
  maxInflightBytes: number,
  heapLimitBytes = getHeapStatistics().heap_size_limit,
): string | undefined {
  const needed = BASELINE_BYTES + HEAP_PER_BODY_BYTE * maxInflightBytes
  if (heapLimitBytes >= needed) return undefined
  const mb = (bytes: number) => Math.ceil(bytes / MB)
  return (
    `--max-inflight-bytes of ${mb(maxInflightBytes)} MB lets calls hold up to about ${mb(needed)} MB of heap, ` +
    `but this process's V8 heap stops at ${mb(heapLimitBytes)} MB: start node with ` +
    `--max-old-space-size=${mb(needed)} or more, or lower --max-inflight-bytes`
  )
}
