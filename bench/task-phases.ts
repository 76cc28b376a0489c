import { copyFileSync, rmSync } from 'node:fs'
import { SoapMirroringClient } from '../src/adapters/task/soap/soap-mirroring-client.ts'
import { SqliteChangeSource } from '../src/adapters/task/sources/sqlite/sqlite-change-source.ts'
import { wireValueEncoder } from '../src/domain/changes/wire-value-encode-fast.ts'
import { buildTableSchema } from '../src/domain/schema/table-schema.ts'

/** CPU µs a row of the task's own steps, measured apart in this process. */
export interface TaskPhases {
  /** Reading the source's rows through the task's SQLite source, in one snapshot. */
  readonly read: number
  /** Encoding each row's values for the wire and its RowData XML, as the full load does. */
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
    const encoders = table.columns.map((c) => wireValueEncoder(c.type))
    const client = new SoapMirroringClient('http://127.0.0.1/')
    const pass = async (encode: boolean): Promise<number> => {
      let rows = 0
      let bytes = 0
      const started = cpuUs()
      await source.snapshot(async (snapshot) => {
        for await (const row of snapshot.readRows(table)) {
          rows++
          if (!encode) continue
          const values: (string | null)[] = new Array(encoders.length)
          for (let i = 0; i < encoders.length; i++) values[i] = encoders[i]!(row[i]!)
          bytes += client.encodeRow({ operation: 'I', values }).bytes
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
