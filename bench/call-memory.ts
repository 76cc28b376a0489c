// Run with `node --expose-gc bench/call-memory.ts` (npm run bench does, as `--only callmem`): for
// each kind of call, the heap a parsed request holds (its tree and its captured rows) per byte of
// body, after two full collections, beside the service's own estimate that refuses a document
// past 8 bytes per byte. Prints one JSON array on stdout.

import { superOfficeSchema } from '../src/adapters/demo/demo-schema.ts'
import { NS } from '../src/adapters/soap/namespaces.ts'
import { rowDataBatchFrame, rowDataFrame, writeTableSchemaRequest } from '../src/adapters/soap/request-writers.ts'
import { rowDataCapture } from '../src/adapters/soap/row-data-capture.ts'
import { tableSchemaCapture } from '../src/adapters/soap/table-schema-capture.ts'
import { SoapMirroringClient } from '../src/adapters/task/soap/soap-mirroring-client.ts'
import { canonicalRow } from '../src/adapters/task/sources/source-rows.ts'
import { XmlRejected, XmlTreeBuilder } from '../src/adapters/xml/xml-tree.ts'
import { encodeWireValue } from '../src/domain/changes/wire-value.ts'
import { buildTableSchema } from '../src/domain/schema/table-schema.ts'
import { benchRows, INVITATION } from './bench-source.ts'

/** The service's limit (src/adapters/bootstrap/container.ts, MAX_CALL_DENSITY). */
const DENSITY = 8
const TOKEN = 'x'.repeat(900)

export interface CallMemory {
  readonly call: string
  readonly bodyBytes: number
  /** Heap held per body byte; for a refused document, what it held when refused. */
  readonly factor: number
  /** The service's running estimate per body byte. */
  readonly estimate: number
  readonly refused?: string
}

function measure(call: string, body: string): CallMemory {
  const gc = globalThis.gc
  if (!gc) throw new Error('run with node --expose-gc')
  const bytes = Buffer.from(body)
  gc()
  gc()
  const before = process.memoryUsage().heapUsed
  const builder = new XmlTreeBuilder({ maxDepth: 64, maxElements: 4_000_000, maxDensity: DENSITY }, [
    rowDataCapture(),
    tableSchemaCapture(),
  ])
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let refused: string | undefined
  let read = 0
  let root: unknown
  try {
    for (; read < bytes.length; read += 65_536) {
      builder.write(decoder.decode(bytes.subarray(read, read + 65_536), { stream: true }))
    }
    root = builder.close()
  } catch (error) {
    if (!(error instanceof XmlRejected)) throw error
    refused = error.message
  }
  gc()
  gc()
  const held = process.memoryUsage().heapUsed - before
  const seen = Math.min(read + 65_536, bytes.length)
  const result = {
    call,
    bodyBytes: bytes.length,
    factor: Math.round((100 * held) / seen) / 100,
    estimate: Math.round((100 * builder.retainedBytes) / seen) / 100,
    ...(refused ? { refused } : {}),
  }
  // Kept alive until measured.
  if (root === builder) console.error('')
  return result
}

function rowData(targetBytes: number): string {
  const schema = buildTableSchema(INVITATION)
  if (!schema.ok) throw new Error('invitation schema')
  const encoder = new SoapMirroringClient('http://127.0.0.1/')
  const parts: string[] = []
  let size = 0
  const rows = Math.ceil(targetBytes / 700)
  for (const row of benchRows(rows)) {
    const encoded = encoder.encodeRow({
      operation: 'I',
      values: canonicalRow(schema.value, row, [0]).map((v, i) => encodeWireValue(v, schema.value.columns[i]!.type)),
    })
    if (size + encoded.bytes > targetBytes) break
    parts.push(encoded.xml)
    size += encoded.bytes
  }
  const [head, tail] = rowDataFrame({ signedToken: TOKEN, clientState: '' })
  const [open, close] = rowDataBatchFrame(INVITATION, '1')
  return head + open + parts.join('') + close + tail
}

function flood(bytes: number): string {
  const head = `<s:Envelope xmlns:s="${NS.soap}"><s:Body><RowDataRequest xmlns="${NS.mirroring}"><x>`
  return `${head}${'<e/>'.repeat(Math.floor(bytes / 4))}</x></RowDataRequest></s:Body></s:Envelope>`
}

const results = [
  measure(
    'TableSchema, 413 tables',
    writeTableSchemaRequest({ signedToken: TOKEN, clientState: '', tables: superOfficeSchema() }),
  ),
  measure('RowData, 1 MB of invitation rows', rowData(1_000_000)),
  measure('RowData, 10 MB of invitation rows', rowData(10_000_000)),
  measure('flood of empty elements, 15 MB (refused)', flood(15_000_000)),
]
process.stdout.write(`${JSON.stringify(results)}\n`)
