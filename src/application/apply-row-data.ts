import { type ChangeBatch, decodeBatch } from '../domain/changes/change-batch.ts'
import type { Lsn } from '../domain/changes/lsn.ts'
import type { VerifiedCall } from '../domain/handshake/token-claims.ts'
import type { RowDataRequest, WireRowBatch } from '../domain/protocol/messages.ts'
import { identifierKey, identifierProblem } from '../domain/schema/identifier.ts'
import { formatSqlServerType } from '../domain/schema/sql-server-type.ts'
import { buildTableSchema, findColumn, type TableSchema } from '../domain/schema/table-schema.ts'
import { clip } from '../domain/shared/clip.ts'
import { err, ok, type Result } from '../domain/shared/result.ts'
import type { MirroringDeps } from './mirroring-deps.ts'
import type { OperationError } from './operation-error.ts'
import { type OperationOutcome, outcome } from './operation-outcome.ts'
import type { MirrorState } from './ports/mirror-database.port.ts'
import { openTenantMirror, tenantCall } from './tenant-call.ts'

export interface SupersededBatch {
  readonly table: string
  readonly lsn: Lsn
  readonly storedLsn: Lsn
}

/** Where a RowData call's time went after its body was read, by the deps' stopwatch. */
export interface RowDataTimes {
  /** Checking every batch against the mirror and decoding its values. */
  readonly decodeMs: number
  /** Waiting for the tables' locks and writing all batches with their LSNs in one transaction. */
  readonly writeMs: number
}

export interface RowDataResult {
  /** The batches written. */
  readonly batches: readonly ChangeBatch[]
  /** Batches acknowledged without writing: the table already held a later LSN. */
  readonly superseded: readonly SupersededBatch[]
  /** Present when the deps have a stopwatch. */
  readonly times?: RowDataTimes
}

/**
 * RowData (protocol.md §3.4, wire-profile §4–§5): decodes every batch of the call first, so
 * that one bad value writes nothing, then applies all batches with their LSNs in one
 * transaction while holding the (tenant, table) locks of every table involved.
 */
export class ApplyRowData {
  readonly #deps: MirroringDeps

  constructor(deps: MirroringDeps) {
    this.#deps = deps
  }

  execute(request: RowDataRequest): Promise<OperationOutcome<RowDataResult>> {
    return tenantCall(
      this.#deps,
      'RowData',
      request.signedToken,
      (call) => this.#run(request, call),
      describeSuperseded,
    )
  }

  async #run(request: RowDataRequest, { contextId }: VerifiedCall): Promise<OperationOutcome<RowDataResult>> {
    const rows = request.batches.reduce((n, b) => n + b.rows.length, 0)
    const tables = new Set(request.batches.map((b) => identifierKey(b.table.name))).size
    if (request.batches.length === 0) return outcome(ok({ batches: [], superseded: [] }), contextId)

    const opened = await openTenantMirror(
      this.#deps,
      contextId,
      undefined,
      request.batches.map((b) => b.table.name),
    )
    if (!opened.ok) return outcome(opened, contextId, tables, rows)
    const mirror = opened.value
    const stopwatch = this.#deps.stopwatch
    const decoding = stopwatch?.() ?? 0
    const batches: ChangeBatch[] = []
    for (const wire of request.batches) {
      const batch = this.#decode(wire, mirror.state)
      if (!batch.ok) return outcome(batch, contextId, tables, rows)
      batches.push(batch.value)
    }

    const writing = stopwatch?.() ?? 0
    const applied = await mirror.write(
      batches.map((b) => b.table.name),
      (db) => db.applyBatches(batches, this.#deps.staleBatches ?? 'skip'),
    )
    if (!applied.ok) return outcome(applied, contextId, tables, rows)
    const times = stopwatch && { decodeMs: writing - decoding, writeMs: stopwatch() - writing }
    const written: ChangeBatch[] = []
    const superseded: SupersededBatch[] = []
    batches.forEach((batch, i) => {
      const done = applied.value[i]
      if (!done || done.applied) written.push(batch)
      else superseded.push({ table: batch.table.name, lsn: batch.lsn, storedLsn: done.storedLsn })
    })
    return outcome(ok({ batches: written, superseded, ...(times ? { times } : {}) }), contextId, tables, rows)
  }

  #decode(wire: WireRowBatch, state: MirrorState): Result<ChangeBatch, OperationError> {
    const problem = identifierProblem(wire.table.name)
    if (problem) return err({ kind: 'InvalidTableName', table: clip(wire.table.name), reason: problem })
    const stored = state.tables.get(identifierKey(wire.table.name))
    if (!stored?.schema || !state.physicalTables.has(identifierKey(wire.table.name))) {
      return err({ kind: 'TableNotInMirror', table: wire.table.name })
    }
    const mirror = stored.schema
    const keyColumns = new Map([[identifierKey(mirror.name), mirror.key.map((i) => mirror.columns[i]!.name)]])
    const info = buildTableSchema(wire.table, { keyColumns })
    if (!info.ok) return info
    const mismatch = tableInfoMismatch(info.value, mirror)
    if (mismatch) return err({ kind: 'TableInfoMismatch', table: mirror.name, reason: mismatch })
    // Rows are applied under the mirror's own names, whatever case TableInfo used.
    const named: TableSchema = {
      ...info.value,
      name: mirror.name,
      columns: info.value.columns.map((c) => ({ ...c, name: findColumn(mirror, c.name)!.name })),
    }
    return decodeBatch(wire, named)
  }
}

/** TableInfo may list fewer columns than the mirror, in any order, but each must match by name and type. */
function tableInfoMismatch(info: TableSchema, mirror: TableSchema): string | undefined {
  for (const column of info.columns) {
    const target = findColumn(mirror, column.name)
    if (!target) return `column ${column.name} is not in the mirror`
    const sent = formatSqlServerType(column.type)
    const kept = formatSqlServerType(target.type)
    if (sent !== kept) return `column ${column.name} is ${sent} in TableInfo but ${kept} in the mirror`
  }
  return undefined
}

/** Says which batches were older than their table's LSN, for the LogEvent hook. */
export function describeSuperseded(result: RowDataResult): string | undefined {
  if (result.superseded.length === 0) return undefined
  const each = result.superseded.map((b) => `${b.table} LSN ${b.lsn} < ${b.storedLsn}`).join(', ')
  return `acknowledged without writing, the mirror already holds a later LSN: ${clip(each, 300)}`
}
