import { describeError } from '../../src/application/describe-error.ts'
import type { OperationOutcome } from '../../src/application/operation-outcome.ts'
import {
  type CallOutcome,
  type EncodedRow,
  MirroringCallError,
  type MirroringClient,
  type MirroringClientFactory,
  type OutgoingBatch,
} from '../../src/application/task/ports/mirroring-client.port.ts'
import type { Row } from '../../src/domain/changes/cell-value.ts'
import type { RowOperation } from '../../src/domain/changes/change-batch.ts'
import { wireRowOf } from '../../src/domain/changes/wire-value-encode-fast.ts'
import type { WireReplicationSummary, WireRow, WireTableSchema } from '../../src/domain/protocol/messages.ts'
import type { TableSchema } from '../../src/domain/schema/table-schema.ts'
import type { MirroringHarness } from '../../src/testing/harness.ts'

interface FakeRow extends EncodedRow {
  readonly row: WireRow
}

/**
 * The Mirroring Task's client wired straight to the service's use cases, without HTTP or XML:
 * the task and the service meet through the application layer only. Row sizes are their JSON
 * length, which is enough for the batcher's arithmetic.
 */
export class InProcessMirroringClient implements MirroringClient, MirroringClientFactory {
  readonly #service: MirroringHarness
  readonly calls: { operation: string; tables: string[]; rows: number; lsns: number[] }[] = []
  /** Throws a MirroringCallError on this call number of the operation (1-based), once. */
  failOn: { operation: string; call: number } | undefined
  /** RowData calls wait for this before reaching the service, while it is set. */
  gate: Promise<void> | undefined
  /** RowData calls under way right now, and the most there ever were at once. */
  inFlight = 0
  maxInFlight = 0
  /** RowData calls already under way when each RowData call started. */
  readonly inFlightAtCall: number[] = []
  /** What happened, in order: `wipe <table>` once a Wipe came back, `rowData <table>` as a RowData call starts. */
  readonly log: string[] = []
  /** Each RowData call's first table, and the calls of that table and of any table under way when it started. */
  readonly tableAtCall: { table: string; own: number; all: number }[] = []
  readonly #tableInFlight = new Map<string, number>()
  /** Source rows read when each RowData call started, as the test's probe reports them. */
  readonly readAtCall: number[] = []
  probe: (() => number) | undefined

  constructor(service: MirroringHarness) {
    this.#service = service
  }

  forUrl(): MirroringClient {
    return this
  }

  #count(operation: string, entry: Omit<(typeof this.calls)[number], 'operation'>): void {
    this.calls.push({ operation, ...entry })
    const n = this.calls.filter((c) => c.operation === operation).length
    if (this.failOn?.operation === operation && this.failOn.call === n) {
      this.failOn = undefined
      throw new MirroringCallError(`${operation} call ${n} lost in transit`)
    }
  }

  async authenticate(token: string) {
    this.#count('Authenticate', { tables: [], rows: 0, lsns: [] })
    return unwrap(await this.#service.authenticate.execute({ signedToken: token, clientState: '' }))
  }

  async tableSchema(token: string, tables: readonly WireTableSchema[]) {
    this.#count('TableSchema', { tables: tables.map((t) => t.name), rows: 0, lsns: [] })
    const outcome = await this.#service.tableSchema.execute({ signedToken: token, clientState: '', tables })
    const reply = unwrap(outcome)
    return reply.ok ? { ok: true as const, value: reply.value.lsns } : reply
  }

  async rowData(token: string, batches: readonly OutgoingBatch[]) {
    const rows = batches.map((b) => (b.rows as FakeRow[]).map((r) => r.row))
    this.#count('RowData', {
      tables: batches.map((b) => b.table.name),
      rows: rows.reduce((n, r) => n + r.length, 0),
      lsns: batches.map((b) => b.lsn),
    })
    if (this.probe) this.readAtCall.push(this.probe())
    this.inFlightAtCall.push(this.inFlight)
    const table = batches[0]?.table.name ?? ''
    this.log.push(`rowData ${table}`)
    const own = this.#tableInFlight.get(table) ?? 0
    this.tableAtCall.push({ table, own, all: this.inFlight })
    this.#tableInFlight.set(table, own + 1)
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight)
    try {
      await this.gate
      const outcome = await this.#service.rowData.execute({
        signedToken: token,
        clientState: '',
        batches: batches.map((b, i) => ({ table: b.table, lsn: String(b.lsn), rows: rows[i]! })),
      })
      const reply = unwrap(outcome)
      return reply.ok ? { ok: true as const, value: undefined } : reply
    } finally {
      this.inFlight--
      this.#tableInFlight.set(table, (this.#tableInFlight.get(table) ?? 1) - 1)
    }
  }

  async wipe(token: string, table: string) {
    this.#count('Wipe', { tables: [table], rows: 0, lsns: [] })
    const outcome = await this.#service.wipe.execute({ signedToken: token, clientState: '', table })
    this.log.push(`wipe ${table}`)
    return unwrap(outcome)
  }

  async replicationCompleted(token: string, summary: readonly WireReplicationSummary[]) {
    this.#count('ReplicationCompleted', { tables: summary.map((s) => s.table), rows: 0, lsns: [] })
    return unwrap(
      await this.#service.completed.execute({ signedToken: token, clientState: '', changedTables: summary }),
    )
  }

  encodeRow(row: WireRow): FakeRow {
    return { row, bytes: JSON.stringify(row).length }
  }

  rowEncoder(table: TableSchema) {
    return (operation: RowOperation, row: Row): FakeRow => this.encodeRow(wireRowOf(table, operation, row))
  }

  overhead(table: WireTableSchema): number {
    return 200 + JSON.stringify(table).length
  }
}

function unwrap<T>(outcome: OperationOutcome<T>): CallOutcome<T> {
  return outcome.result.ok
    ? { ok: true, value: outcome.result.value }
    : { ok: false, error: describeError(outcome.result.error) }
}
