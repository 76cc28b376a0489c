import { Command, Option } from 'commander'
import type { ChangeSource } from '../../application/task/ports/change-source.port.ts'
import { identifierProblem } from '../../domain/schema/identifier.ts'
import { BLOCKED_TABLES, tablesToMirror } from '../../domain/task/blocked-tables.ts'
import { DEFAULT_BATCH_SIZE, parseBatchSize, parseSkipTable } from '../../domain/task/preferences.ts'
import { ChangeSources } from '../task/sources/change-sources.ts'
import { fail } from './fail.ts'
import {
  addRegistryOption,
  clientIdArg,
  contextIdArg,
  firstLine,
  redactUrl,
  table,
  usageErrorsExit2,
  withRegistry,
} from './registry-option.ts'

// The source schemes the change sources open; a typo here would only surface at the first cycle.
const SOURCE_URL = /^(sqlite:.+|postgres(ql)?:\/\/.+|mssql:\/\/.+|sqlserver:\/\/.+)$/

interface Registered {
  registry: string
}

/** `tenant-mirror tenants …`: customers, their source databases, preferences and approvals. */
export function tenantCommands(): Command {
  const tenants = new Command('tenants').description('tenants, their source databases and approvals')

  addRegistryOption(
    tenants
      .command('add')
      .description('register a tenant and its change-tracked source database')
      .requiredOption('--context-id <ctx>', 'the tenant, e.g. Cust12345')
      .requiredOption('--source <url>', 'source database: sqlite:<file>, postgres://… or mssql://…')
      .option('--skip-table <tables>', 'SkipTable preference: comma-separated tables not to mirror', '')
      .option('--batch-size <bytes>', 'BatchSize preference: bytes per RowData request', String(DEFAULT_BATCH_SIZE))
      .option('--no-check', 'register without opening the source (one only the task machines reach)'),
  ).action(
    async (
      o: Registered & { contextId: string; source: string; skipTable: string; batchSize: string; check: boolean },
    ) => {
      const contextId = contextIdArg(o.contextId)
      const skipTable = skipTableArg(o.skipTable, '--skip-table')
      const batchSize = parseBatchSize(o.batchSize)
      if (!batchSize.ok) return fail(`--batch-size: ${batchSize.error}`, 2)
      if (!SOURCE_URL.test(o.source)) {
        return fail(`--source '${redactUrl(o.source).slice(0, 80)}' is not sqlite:<file>, postgres://… or mssql://…`, 2)
      }
      await withRegistry(o.registry, async (registry) => {
        if (await registry.tenant(contextId)) return fail(`tenant ${contextId} is already registered`)
        const tables = o.check ? await sourceTables(o.source) : undefined
        await registry.addTenant({
          contextId,
          sourceUrl: o.source,
          skipTable,
          batchSize: batchSize.value,
        })
        process.stdout.write(tables ? describeTables(contextId, tables, skipTable) : `registered ${contextId}\n`)
      })
    },
  )

  addRegistryOption(
    tenants.command('list').description('list tenants and their approvals').option('--json', 'as JSON'),
  ).action(async (o: Registered & { json?: boolean }) =>
    withRegistry(o.registry, async (registry) => {
      const approvals = await registry.approvals()
      const all = (await registry.tenants()).map((t) => ({
        ...t,
        sourceUrl: redactUrl(t.sourceUrl),
        approved: approvals.filter((a) => a.contextId === t.contextId).map((a) => a.clientId),
      }))
      if (o.json) return void process.stdout.write(`${JSON.stringify(all, null, 2)}\n`)
      process.stdout.write(
        table([
          ['CONTEXT ID', 'SOURCE', 'SKIPTABLE', 'BATCHSIZE', 'APPROVED'],
          ...all.map((t) => [
            t.contextId,
            t.sourceUrl,
            t.skipTable.join(','),
            String(t.batchSize),
            t.approved.join(','),
          ]),
        ]),
      )
    }),
  )

  addRegistryOption(
    tenants
      .command('approve')
      .description('the tenant approves an application: its cycles start')
      .argument('<context-id>')
      .requiredOption('--app <client-id>', 'the application')
      .addOption(
        new Option(
          '--queue <url>',
          "the task's pg-boss queue: the first cycle is queued in the approval's own transaction (the registry's PostgreSQL database)",
        ).env('MIRROR_QUEUE'),
      ),
  ).action(async (ctx: string, o: Registered & { app: string; queue?: string }) => {
    const contextId = contextIdArg(ctx)
    const clientId = clientIdArg(o.app, '--app')
    if (o.queue !== undefined && !sameDatabase(o.queue, o.registry)) {
      return fail(
        "--queue must be the registry's PostgreSQL database: the approval and its first cycle commit together",
        2,
      )
    }
    await withRegistry(o.registry, async (registry) => {
      if (!(await registry.tenant(contextId))) return fail(`no tenant ${contextId}`)
      if (!(await registry.application(clientId))) return fail(`no application ${clientId}`)
      if (o.queue === undefined) {
        await registry.approve(contextId, clientId, Date.now())
        return void process.stdout.write(`${contextId} approved ${clientId}\n`)
      }
      const { PgBossCycleQueue } = await import('../task/scheduling/pg-boss-cycle-queue.ts')
      const queue = await PgBossCycleQueue.sender(o.queue, silentLogger)
      try {
        let queued = false
        await registry.approveWith(contextId, clientId, Date.now(), async (sql) => {
          queued = await queue.enqueueIn({ contextId, clientId }, sql)
        })
        const first = queued ? 'its first cycle queued' : 'a cycle was already queued'
        process.stdout.write(`${contextId} approved ${clientId}, ${first}\n`)
      } finally {
        await queue.close()
      }
    })
  })

  addRegistryOption(
    tenants
      .command('revoke')
      .description("withdraw the tenant's approval of an application")
      .argument('<context-id>')
      .requiredOption('--app <client-id>', 'the application'),
  ).action(async (ctx: string, o: Registered & { app: string }) => {
    const contextId = contextIdArg(ctx)
    const clientId = clientIdArg(o.app, '--app')
    await withRegistry(o.registry, async (registry) => {
      if (!(await registry.revoke(contextId, clientId))) return fail(`${contextId} has not approved ${clientId}`)
      process.stdout.write(`${contextId} revoked ${clientId}\n`)
    })
  })

  addRegistryOption(
    tenants
      .command('set-pref')
      .description("set a tenant's Mirroring preference: SkipTable or BatchSize")
      .argument('<context-id>')
      .argument('<name>', 'SkipTable or BatchSize')
      .argument('<value>'),
  ).action(async (ctx: string, name: string, value: string, o: Registered) => {
    const contextId = contextIdArg(ctx)
    let patch: { skipTable: string[] } | { batchSize: number }
    if (name.toLowerCase() === 'skiptable') patch = { skipTable: skipTableArg(value, 'SkipTable') }
    else if (name.toLowerCase() === 'batchsize') {
      const size = parseBatchSize(value)
      if (!size.ok) return fail(size.error, 2)
      patch = { batchSize: size.value }
    } else return fail(`preference '${name.slice(0, 40)}' is not SkipTable or BatchSize`, 2)
    await withRegistry(o.registry, async (registry) => {
      if (!(await registry.updateTenant(contextId, patch))) return fail(`no tenant ${contextId}`)
      process.stdout.write(`${contextId}: ${'skipTable' in patch ? 'SkipTable' : 'BatchSize'} set\n`)
    })
  })
  return usageErrorsExit2(tenants)
}

/**
 * Opens the source as the task will and reads its tables: those with a primary key, and those
 * without one, which are never mirrored (change tracking needs a key). Nothing is written to
 * it. A SQLite file that is missing or is not a database is a configuration error (exit 2); a
 * server that does not answer is a runtime failure (exit 1).
 */
async function sourceTables(url: string): Promise<{ keyed: readonly string[]; keyless: readonly string[] }> {
  const code = /^sqlite:/i.test(url) ? 2 : 1
  let source: ChangeSource
  try {
    source = await new ChangeSources().open(url)
  } catch (error) {
    return fail(`--source: ${firstLine(error)}`, code)
  }
  try {
    const keyed = (await source.readSchema()).map((t) => t.name)
    return { keyed, keyless: await source.keylessTables() }
  } catch (error) {
    return fail(`--source: cannot read the tables of ${redactUrl(url).slice(0, 80)}: ${firstLine(error)}`, code)
  } finally {
    await source.close()
  }
}

function describeTables(
  contextId: string,
  tables: { keyed: readonly string[]; keyless: readonly string[] },
  skipTable: readonly string[],
): string {
  const mirrored = tablesToMirror(tables.keyed, skipTable, BLOCKED_TABLES).length
  const left = tables.keyed.length - mirrored
  const lines = [
    `registered ${contextId}: ${mirrored} ${mirrored === 1 ? 'table' : 'tables'} to mirror` +
      (left > 0 ? `, ${left} left out (SkipTable or never mirrored)` : ''),
  ]
  if (tables.keyless.length > 0) lines.push(`not mirrored (no primary key): ${tables.keyless.join(', ')}`)
  return `${lines.join('\n')}\n`
}

/**
 * SkipTable as SuperOffice stores it, a comma list. Only names a mirrored table can have are
 * kept: anything else could never match one, and is more likely a typo the operator should see.
 */
function skipTableArg(value: string, label: string): string[] {
  const tables = parseSkipTable(value)
  for (const table of tables) {
    const problem = identifierProblem(table)
    if (problem) return fail(`${label}: table name ${problem}`, 2)
  }
  return tables
}

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} }

/** Whether two PostgreSQL URLs name one database on one server (credentials aside). */
function sameDatabase(a: string, b: string): boolean {
  const at = (url: string) => {
    try {
      const u = new URL(url)
      if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') return undefined
      return `${u.hostname}:${u.port || '5432'}${u.pathname}`
    } catch {
      return undefined
    }
  }
  const left = at(a)
  return left !== undefined && left === at(b)
}
