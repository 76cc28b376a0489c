import { getHeapStatistics } from 'node:v8'

const MB = 1024 * 1024

/** What the heap holds besides the calls: code, schemas, open mirrors (about 50–60 MB live in the bench's snapshots). */
const BASELINE_BYTES = 64 * MB

/**
 * A call in flight holds its body and what it was parsed into: RowData 1.0–1.2 times its body,
 * TableSchema 2.5–2.7 (`npm run bench -- --only callmem`), so three times is the bound.
 */
const HEAP_PER_BODY_BYTE = 3

/**
 * The heap the in-flight budget needs. The service runs with a V8 heap ceiling
 * (`--max-old-space-size`, bin/tenant-mirror.js): without one V8 lets garbage build up to
 * several times the live data before it collects. A ceiling below what the budget lets calls
 * hold would end the process with "heap out of memory" under load instead of answering busy.
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
