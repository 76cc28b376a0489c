import type { WireTableSchema } from '../../domain/protocol/messages.ts'
import { identifierKey } from '../../domain/schema/identifier.ts'
import type { TableSchema } from '../../domain/schema/table-schema.ts'
import { decideLoad, type LoadKind } from '../../domain/task/load-decision.ts'
import { type PlannedBatch, RowBatcher } from '../../domain/task/row-batcher.ts'
import type { CallTokens } from './call-tokens.ts'
import type { CallOrder, CycleCalls } from './cycle-calls.ts'
import { required } from './cycle-failure.ts'
import type { SourceSnapshot } from './ports/change-source.port.ts'
import type { CycleProgress } from './ports/cycle-progress.port.ts'
import type { EncodedRow, MirroringClient } from './ports/mirroring-client.port.ts'

export interface TableTransfer {
  readonly table: string
  /** `deferred`: its schema changed after the cycle read it; nothing was sent, the next cycle takes it. */
  readonly kind: LoadKind | 'up-to-date' | 'deferred'
  readonly inserts: number
  readonly updates: number
  readonly deletes: number
}

export interface TransferContext {
  readonly client: MirroringClient
  readonly tokens: CallTokens
  /** BatchSize: bytes per RowData request. */
  readonly batchSize: number
  readonly progress: CycleProgress
  /** Empty batches that only move a table's LSN forward, sent together. */
  readonly advances: LsnAdvances
  /** The cycle's Wipe and RowData calls on their way, across its tables (cycle-calls.ts). */
  readonly calls: CycleCalls
  /** RowData calls of one table's full reload on their way at once (default 1). */
  readonly fullLoadCalls?: number
}

/**
 * One table of a cycle, inside one source snapshot: a full reload (Wipe, every row) or the net
 * changes since the mirror's LSN, in batches cut to the byte budget (wire-profile §5).
 */
export async function transferTable(
  snapshot: SourceSnapshot,
  table: TableSchema,
  wire: WireTableSchema,
  mirrorLsn: number,
  justEnabled: boolean,
  context: TransferContext,
): Promise<TableTransfer> {
  const current = await snapshot.currentVersion()
  const minValid = await snapshot.minValidVersion(table.name)
  const decision = decideLoad({ mirrorLsn, currentVersion: current, minValidVersion: minValid, justEnabled })
  const counts = { inserts: 0, updates: 0, deletes: 0 }
  const sends = decision.kind === 'full' || mirrorLsn !== current
  if (sends && !sameColumns(await snapshot.tableSchema(table.name), wire)) {
    // Rows read now would miss the new columns, and their LSN would put those values behind the
    // mirror for good; the mirror keeps its LSN and the next cycle sends the new schema first.
    return { table: table.name, kind: 'deferred', ...counts }
  }
  const { client, progress } = context
  // Only a table with rows to send needs its batch budget: most tables of a cycle are up to date.
  const budget = () => context.batchSize - client.overhead(wire)
  const { calls } = context
  const key = identifierKey(table.name)
  /** `perTable`: the table's calls that may hold a place at once; `order`: which of them this one waits for. */
  const send = async (batch: PlannedBatch<EncodedRow>, perTable: number, order: CallOrder) => {
    // Signed while the previous call is still in flight, so that the next one leaves the moment
    // it returns rather than after the source's next turn.
    const token = await context.tokens.token()
    await calls.submit(
      key,
      perTable,
      async () => {
        required('RowData', await client.rowData(token, [{ table: wire, lsn: batch.lsn, rows: batch.rows }]))
        progress.rowsSent(table.name, batch.rows.length)
      },
      { order },
    )
  }

  if (decision.kind === 'full') {
    progress.tableStarted(table.name, 'full', await snapshot.countRows(table.name))
    // On its way while the rows are read; the reload's batches wait for it, not for each other.
    const wipeToken = await context.tokens.token()
    await calls.submit(key, 1, async () => required('Wipe', await client.wipe(wipeToken, table.name)), {
      barrier: true,
    })
    const batcher = new RowBatcher<EncodedRow>(budget(), { kind: 'full' })
    const encode = client.rowEncoder(table)
    for await (const row of snapshot.readRows(table)) {
      const encoded = encode('I', row)
      const closed = batcher.add(encoded, encoded.bytes)
      if (closed) await send(closed, context.fullLoadCalls ?? 1, 'after-barrier')
      counts.inserts++
    }
    // Always sent, even empty, and after every other call of the reload has been applied: it
    // carries the version that moves the LSN off -1, and a batch of -1 applied after it would be
    // acknowledged as superseded, its rows never written. It waits for them on its place, and
    // the next table is read meanwhile.
    await send(batcher.finish(current), Number.POSITIVE_INFINITY, 'after-all')
  } else if (mirrorLsn === current) {
    progress.tableStarted(table.name, 'up-to-date', 0)
  } else {
    progress.tableStarted(table.name, 'incremental', await snapshot.countChanges(table.name, mirrorLsn))
    const batcher = new RowBatcher<EncodedRow>(budget(), { kind: 'incremental', since: mirrorLsn })
    const encode = client.rowEncoder(table)
    for await (const change of snapshot.readChanges(table, mirrorLsn)) {
      const encoded = encode(change.operation, change.row)
      const closed = batcher.add(encoded, encoded.bytes, change.version)
      if (closed) await send(closed, 1, 'after-all')
      if (change.operation === 'I') counts.inserts++
      else if (change.operation === 'U') counts.updates++
      else counts.deletes++
    }
    const last = batcher.finish(current)
    if (last.rows.length > 0) await send(last, 1, 'after-all')
    else {
      // The LSN moves on with the other tables' only once this table's batches are applied:
      // applied before them, it would make them superseded.
      await calls.settle(key)
      await context.advances.add(wire, current)
    }
  }
  // Finished once its calls came back, which the next table's reading does not wait for.
  calls.whenSettled(key, () => progress.tableFinished(table.name))
  return {
    table: table.name,
    kind: decision.kind === 'incremental' && mirrorLsn === current ? 'up-to-date' : decision.kind,
    ...counts,
  }
}

/** A table whose mirror is at the source's version: nothing read, nothing sent. */
export function upToDate(table: string, progress: CycleProgress): TableTransfer {
  progress.tableStarted(table, 'up-to-date', 0)
  progress.tableFinished(table)
  return { table, kind: 'up-to-date', inserts: 0, updates: 0, deletes: 0 }
}

/**
 * Tables without changes still need their LSN moved to the current version, or retention would
 * one day force a full reload; SuperOffice's samples show every table's LSN advancing together.
 * Their empty batches travel together, in as few RowData calls as the budget allows.
 */
export class LsnAdvances {
  readonly #client: MirroringClient
  readonly #tokens: CallTokens
  readonly #budget: number
  #pending: { table: WireTableSchema; lsn: number }[] = []
  #bytes = 0

  constructor(client: MirroringClient, tokens: CallTokens, budget: number) {
    this.#client = client
    this.#tokens = tokens
    this.#budget = budget
  }

  async add(table: WireTableSchema, lsn: number): Promise<void> {
    const bytes = this.#client.overhead(table)
    if (this.#pending.length > 0 && this.#bytes + bytes > this.#budget) await this.flush()
    this.#pending.push({ table, lsn })
    this.#bytes += bytes
  }

  async flush(): Promise<void> {
    if (this.#pending.length === 0) return
    const batches = this.#pending.map((p) => ({ table: p.table, lsn: p.lsn, rows: [] }))
    this.#pending = []
    this.#bytes = 0
    required('RowData', await this.#client.rowData(await this.#tokens.token(), batches))
  }
}

/** Whether the snapshot's table has the columns the cycle sent in TableSchema, in the same order and form. */
function sameColumns(now: WireTableSchema | undefined, sent: WireTableSchema): boolean {
  return now !== undefined && JSON.stringify(now.columns) === JSON.stringify(sent.columns)
}
