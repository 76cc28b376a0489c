import { copyFileSync, rmSync } from 'node:fs'
import { BodyBuffers } from '../src/adapters/task/soap/body-buffers.ts'
import { HttpPoster } from '../src/adapters/task/soap/http-post.ts'
import { RowSlabs } from '../src/adapters/task/soap/row-slabs.ts'
import type { SlabRow } from '../src/adapters/task/soap/row-xml-bytes.ts'
import { DEFAULT_SOAP_CLIENT_OPTIONS, SoapMirroringClient } from '../src/adapters/task/soap/soap-mirroring-client.ts'
import { SqliteChangeSource } from '../src/adapters/task/sources/sqlite/sqlite-change-source.ts'
import { buildTableSchema } from '../src/domain/schema/table-schema.ts'

/** CPU µs a row of the task's own steps, measured apart in this process. */
export interface TaskPhases {
  /** Reading the source's rows through the task's SQLite source, in one snapshot. */
  readonly read: number
  /** Encoding each row's values for the wire and its RowData XML, as the full load does (into slabs). */
  readonly encode: number
}

function cpuUs(): number {
  const { user, system } = process.cpuUsage()
  return user + system
}

/**
 * The task's read and encode steps over the bench's source, each on its own, so that its CPU a
 * row in a full load can be told apart: what is left is its calls (the body, HTTP, tokens) and
 * the garbage collector. After a pass that warms the code up, the best of three of each, in turn.
 */
export async function taskPhases(file: string, tableName: string): Promise<TaskPhases> {
  // On a copy: a snapshot needs the source's change tracking, which the full loads enable themselves.
  const copy = `${file}.phases`
  copyFileSync(file, copy)
  const source = SqliteChangeSource.open(copy, { retentionMs: 60_000, clock: Date.now })
  try {
    await source.enableTracking()
    const wire = (await source.readSchema()).find((t) => t.name === tableName)
    if (!wire) throw new Error(`no table ${tableName} in ${file}`)
    const built = buildTableSchema(wire)
    if (!built.ok) throw new Error(`table ${tableName}: ${JSON.stringify(built.error)}`)
    const table = built.value
    const slabs = new RowSlabs()
    const client = new SoapMirroringClient('http://127.0.0.1/', DEFAULT_SOAP_CLIENT_OPTIONS, {
      poster: new HttpPoster(),
      bodies: new BodyBuffers(),
      slabs,
    })
    const encodeRow = client.rowEncoder(table)
    const pass = async (encode: boolean): Promise<number> => {
      let rows = 0
      let bytes = 0
      const started = cpuUs()
      await source.snapshot(async (snapshot) => {
        for await (const row of snapshot.readRows(table)) {
          rows++
          if (!encode) continue
          const encoded = encodeRow('I', row)
          bytes += encoded.bytes
          // As a RowData call would once it has copied the row into its body.
          if ('slab' in encoded) slabs.release((encoded as SlabRow).slab, 1)
        }
      })
      if (rows === 0 || (encode && bytes === 0)) throw new Error(`no rows read from ${tableName}`)
      return (cpuUs() - started) / rows
    }
    await pass(true)
    let read = Number.POSITIVE_INFINITY
    let both = Number.POSITIVE_INFINITY
    for (let i = 0; i < 3; i++) {
      read = Math.min(read, await pass(false))
      both = Math.min(both, await pass(true))
    }
    return { read, encode: Math.max(0, both - read) }
  } finally {
    await source.close()
    rmSync(copy, { force: true })
    for (const suffix of ['-wal', '-shm']) rmSync(`${copy}${suffix}`, { force: true })
  }
}
