import type { WireReplicationSummary, WireTableSchema } from '../../domain/protocol/messages.ts'
import type { RegisteredApplication } from '../../domain/registry/registered-application.ts'
import type { Tenant } from '../../domain/registry/tenant.ts'
import { identifierKey } from '../../domain/schema/identifier.ts'
import type { TableSchema } from '../../domain/schema/table-schema.ts'
import { tablesToMirror } from '../../domain/task/blocked-tables.ts'
import { describeError } from '../describe-error.ts'
import type { Clock } from '../ports/clock.port.ts'
import type { Logger } from '../ports/logger.port.ts'
import { ValidatedSchemas } from '../validated-schemas.ts'
import { authenticatePartner } from './authenticate-partner.ts'
import { CallTokens } from './call-tokens.ts'
import { CycleCalls } from './cycle-calls.ts'
import { CycleFailure, required } from './cycle-failure.ts'
import type { ChangeSource, ChangeSourceFactory } from './ports/change-source.port.ts'
import { type CycleProgress, type CycleReport, SILENT_PROGRESS } from './ports/cycle-progress.port.ts'
import type { CyclePair } from './ports/cycle-queue.port.ts'
import type { EventLog } from './ports/event-log.port.ts'
import { MirroringCallError, type MirroringClientFactory } from './ports/mirroring-client.port.ts'
import type { Registry } from './ports/registry.port.ts'
import type { PartnerSignatureVerifier, RandomSource, TokenIssuer } from './ports/token-issuer.port.ts'
import { LsnAdvances, type TableTransfer, transferTable, upToDate } from './table-transfer.ts'

export interface CycleDeps {
  readonly registry: Registry
  readonly events: EventLog
  readonly sources: ChangeSourceFactory
  readonly clients: MirroringClientFactory
  readonly tokens: TokenIssuer
  readonly signatures: PartnerSignatureVerifier
  readonly random: RandomSource
  readonly clock: Clock
  readonly logger: Logger
  /** The environment whose federated-login key this task signs with; other applications are refused. */
  readonly environment: string
  readonly blockedTables: readonly string[]
  /**
   * Wipe and RowData calls on their way at once across the cycle's tables; 1 by default (each
   * call waits for the one before). Calls of different tables overlap; a table's Wipe comes back
   * before its rows leave, and its incremental batches go one at a time, in order (cycle-calls.ts).
   */
  readonly callsInFlight?: number
  /**
   * RowData calls of one table's full reload on their way at once; 1 by default. Its batches all
   * carry LSN -1, so the service may apply them in any order; its last batch leaves once the
   * table's others came back.
   */
  readonly fullLoadCalls?: number
}

export interface CycleResult {
  readonly outcome: 'ok' | 'skipped' | 'failed'
  readonly message: string
  readonly tables: readonly TableTransfer[]
}

/**
 * One Mirroring Task cycle for a (tenant, application) pair (protocol.md §3.7, §9.2):
 * Authenticate → TableSchema with every mirrored table → per table a full reload or the changes
 * since the mirror's LSN → ReplicationCompleted. Any failure ends the cycle and is recorded;
 * the next cycle resumes from what the mirror reports, so nothing is lost or sent twice for good.
 */
export class RunMirroringCycle {
  readonly #deps: CycleDeps
  readonly #schemas = new ValidatedSchemas()

  constructor(deps: CycleDeps) {
    this.#deps = deps
  }

  async execute(pair: CyclePair, progress: CycleProgress = SILENT_PROGRESS): Promise<CycleResult> {
    const { registry, events, clock } = this.#deps
    const started = clock.now()
    await registry.recordCycleStart(pair.contextId, pair.clientId, started)
    let result: CycleResult
    try {
      result = await this.#run(pair, progress)
    } catch (error) {
      const expected = error instanceof CycleFailure || error instanceof MirroringCallError
      const message = expected ? error.message : `unexpected error: ${errorText(error)}`
      if (!expected) this.#deps.logger.error({ ...pair, err: errorText(error) }, 'cycle crashed')
      result = { outcome: 'failed', message, tables: [] }
    }
    await registry.recordCycleEnd(
      pair.contextId,
      pair.clientId,
      clock.now(),
      result.outcome,
      result.outcome === 'failed' ? result.message : undefined,
    )
    await events.append({
      ...pair,
      at: clock.now(),
      type: result.outcome === 'failed' ? 'Error' : 'Information',
      message: result.outcome === 'ok' ? `${result.message} in ${clock.now() - started} ms` : result.message,
    })
    const ms = clock.now() - started
    this.#deps.logger.info({ ...pair, outcome: result.outcome, ms }, result.message)
    progress.cycleFinished?.(cycleReport(result, ms))
    return result
  }

  async #run(pair: CyclePair, progress: CycleProgress): Promise<CycleResult> {
    const { app, tenant } = await this.#load(pair)
    const client = this.#deps.clients.forUrl(app.mirroringUrl)
    const tokens = new CallTokens(
      this.#deps.tokens,
      this.#deps.random,
      this.#deps.clock,
      tenant.contextId,
      app.clientId,
    )
    const { doNotReplicate } = await authenticatePartner(client, tokens, app, this.#deps.signatures, this.#deps.clock)
    if (doNotReplicate)
      return { outcome: 'skipped', message: 'the mirroring service asked not to replicate now', tables: [] }

    const source = await this.#deps.sources.open(tenant.sourceUrl)
    try {
      await source.enableTracking()
      const tables = await this.#tables(source, tenant)
      const names = tables.map(({ schema }) => schema.name)
      const toTrack = new Set(source.tablesToTrack ? await source.tablesToTrack(names) : names)
      const tracked = new Map<string, boolean>()
      for (const name of names) if (toTrack.has(name)) tracked.set(name, (await source.trackTable(name)).justEnabled)

      const lsns = required(
        'TableSchema',
        await client.tableSchema(
          await tokens.token(),
          tables.map((t) => t.wire),
        ),
      )
      const lsnOf = new Map(lsns.map((l) => [identifierKey(l.table), l.lsn]))
      const advances = new LsnAdvances(client, tokens, tenant.batchSize)
      const calls = new CycleCalls(Math.max(this.#deps.callsInFlight ?? 1, this.#deps.fullLoadCalls ?? 1))
      const context = {
        calls,
        client,
        tokens,
        batchSize: tenant.batchSize,
        progress,
        advances,
        fullLoadCalls: this.#deps.fullLoadCalls,
      }
      // The version once for the cycle: a table whose mirror is at it has nothing to send (its
      // changes all lie at or below it, and no source's minimum valid version passes its current
      // one), so it skips a snapshot of its own, four statements 400 times in a cycle.
      const version = await source.snapshot((snapshot) => snapshot.currentVersion())
      const transfers: TableTransfer[] = []
      try {
        for (const { schema, wire } of tables) {
          const lsn = lsnOf.get(identifierKey(schema.name))
          if (lsn === undefined) throw new CycleFailure(`TableSchema reply has no LSN for table ${schema.name}`)
          const justEnabled = tracked.get(schema.name) === true
          transfers.push(
            !justEnabled && lsn === version
              ? upToDate(schema.name, progress)
              : await source.snapshot((snapshot) => transferTable(snapshot, schema, wire, lsn, justEnabled, context)),
          )
        }
        await calls.drain()
      } finally {
        // A cycle that ends on an error of its own still waits for the calls it started.
        await calls.quiesce()
      }
      await advances.flush()

      const summary = transfers.filter((t) => t.inserts + t.updates + t.deletes > 0).map(toSummary)
      required('ReplicationCompleted', await client.replicationCompleted(await tokens.token(), summary))
      return { outcome: 'ok', message: describeCycle(transfers), tables: transfers }
    } finally {
      await source.close()
    }
  }

  async #load(pair: CyclePair): Promise<{ app: RegisteredApplication; tenant: Tenant }> {
    const { registry } = this.#deps
    const app = await registry.application(pair.clientId)
    if (!app) throw new CycleFailure(`application ${pair.clientId} is not registered`)
    if (!app.mirroringEnabled) throw new CycleFailure(`application ${pair.clientId} has mirroring disabled`)
    if (app.environment !== this.#deps.environment) {
      throw new CycleFailure(
        `application ${pair.clientId} belongs to environment ${app.environment}, not ${this.#deps.environment}`,
      )
    }
    const tenant = await registry.tenant(pair.contextId)
    if (!tenant) throw new CycleFailure(`tenant ${pair.contextId} is not registered`)
    const approved = (await registry.approvals()).some(
      (a) => a.contextId === pair.contextId && a.clientId === pair.clientId,
    )
    if (!approved) throw new CycleFailure(`tenant ${pair.contextId} has not approved application ${pair.clientId}`)
    return { app, tenant }
  }

  /** The tables to mirror, validated; one the protocol cannot describe fails the cycle by name. */
  async #tables(source: ChangeSource, tenant: Tenant): Promise<{ schema: TableSchema; wire: WireTableSchema }[]> {
    const all = await source.readSchema()
    const byName = new Map(all.map((t) => [t.name, t]))
    const names = tablesToMirror(
      all.map((t) => t.name),
      tenant.skipTable,
      this.#deps.blockedTables,
    )
    return names.map((name) => {
      const wire = byName.get(name)!
      const schema = this.#schemas.build(wire)
      if (!schema.ok) throw new CycleFailure(`source table ${name} cannot be mirrored: ${describeError(schema.error)}`)
      return { schema: schema.value, wire }
    })
  }
}

/** The result in the figures of a one-line report. */
export function cycleReport(result: CycleResult, ms: number): CycleReport {
  return {
    outcome: result.outcome,
    message: result.message,
    tables: result.tables.length,
    reloaded: result.tables.filter((t) => t.kind === 'full').length,
    rows: result.tables.reduce((n, t) => n + t.inserts + t.updates + t.deletes, 0),
    ms,
  }
}

function toSummary(t: TableTransfer): WireReplicationSummary {
  return { table: t.table, inserts: String(t.inserts), updates: String(t.updates), deletes: String(t.deletes) }
}

function describeCycle(transfers: readonly TableTransfer[]): string {
  const full = transfers.filter((t) => t.kind === 'full').length
  const sum = (key: 'inserts' | 'updates' | 'deletes') => transfers.reduce((n, t) => n + t[key], 0)
  const deferred = transfers.filter((t) => t.kind === 'deferred').length
  const later = deferred > 0 ? `; ${deferred} left to the next cycle (schema changed while it ran)` : ''
  return `mirroring cycle completed: ${transfers.length} tables (${full} reloaded), ${sum('inserts')} inserts, ${sum('updates')} updates, ${sum('deletes')} deletes${later}`
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]!.slice(0, 300) : String(error)
}
