import { Command } from 'commander'
import { parseContextId } from '../../domain/handshake/context-id.ts'
import { DEFAULT_BATCH_SIZE, parseBatchSize, parseSkipTable } from '../../domain/task/preferences.ts'
import { fail } from './fail.ts'
import { addRegistryOption, table, withRegistry } from './registry-option.ts'

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
      .option('--batch-size <bytes>', 'BatchSize preference: bytes per RowData request', String(DEFAULT_BATCH_SIZE)),
  ).action(async (o: Registered & { contextId: string; source: string; skipTable: string; batchSize: string }) => {
    const contextId = checkContext(o.contextId)
    const batchSize = parseBatchSize(o.batchSize)
    if (!batchSize.ok) return fail(`--batch-size: ${batchSize.error}`, 2)
    if (!/^(sqlite:.+|postgres(ql)?:\/\/.+|mssql:\/\/.+|sqlserver:\/\/.+)$/.test(o.source)) {
      return fail('--source must be sqlite:<file>, postgres://… or mssql://…', 2)
    }
    await withRegistry(o.registry, async (registry) => {
      if (await registry.tenant(contextId)) return fail(`tenant ${contextId} is already registered`)
      await registry.addTenant({
        contextId,
        sourceUrl: o.source,
        skipTable: parseSkipTable(o.skipTable),
        batchSize: batchSize.value,
      })
      process.stdout.write(`registered ${contextId}\n`)
    })
  })

  addRegistryOption(
    tenants.command('list').description('list tenants and their approvals').option('--json', 'as JSON'),
  ).action(async (o: Registered & { json?: boolean }) =>
    withRegistry(o.registry, async (registry) => {
      const approvals = await registry.approvals()
      const all = (await registry.tenants()).map((t) => ({
        ...t,
        sourceUrl: t.sourceUrl.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@'),
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
      .requiredOption('--app <client-id>', 'the application'),
  ).action(async (ctx: string, o: Registered & { app: string }) =>
    withRegistry(o.registry, async (registry) => {
      const contextId = checkContext(ctx)
      if (!(await registry.tenant(contextId))) return fail(`no tenant ${contextId}`)
      if (!(await registry.application(o.app))) return fail(`no application ${o.app}`)
      await registry.approve(contextId, o.app, Date.now())
      process.stdout.write(`${contextId} approved ${o.app}\n`)
    }),
  )

  addRegistryOption(
    tenants
      .command('revoke')
      .description("withdraw the tenant's approval of an application")
      .argument('<context-id>')
      .requiredOption('--app <client-id>', 'the application'),
  ).action(async (ctx: string, o: Registered & { app: string }) =>
    withRegistry(o.registry, async (registry) => {
      if (!(await registry.revoke(ctx, o.app))) return fail(`${ctx} has not approved ${o.app}`)
      process.stdout.write(`${ctx} revoked ${o.app}\n`)
    }),
  )

  addRegistryOption(
    tenants
      .command('set-pref')
      .description("set a tenant's Mirroring preference: SkipTable or BatchSize")
      .argument('<context-id>')
      .argument('<name>', 'SkipTable or BatchSize')
      .argument('<value>'),
  ).action(async (ctx: string, name: string, value: string, o: Registered) => {
    let patch: { skipTable: string[] } | { batchSize: number }
    if (name.toLowerCase() === 'skiptable') patch = { skipTable: parseSkipTable(value) }
    else if (name.toLowerCase() === 'batchsize') {
      const size = parseBatchSize(value)
      if (!size.ok) return fail(size.error, 2)
      patch = { batchSize: size.value }
    } else return fail(`preference '${name.slice(0, 40)}' is not SkipTable or BatchSize`, 2)
    await withRegistry(o.registry, async (registry) => {
      if (!(await registry.updateTenant(ctx, patch))) return fail(`no tenant ${ctx}`)
      process.stdout.write(`${ctx}: ${name} set\n`)
    })
  })
  return tenants
}

function checkContext(value: string): string {
  const parsed = parseContextId(value)
  if (!parsed.ok) return fail(`context id '${value.slice(0, 40)}' is not letters, digits, _ and -`, 2)
  return parsed.value
}
