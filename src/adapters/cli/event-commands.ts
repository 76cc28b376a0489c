import { Command } from 'commander'
import { fail } from './fail.ts'
import { addRegistryOption, table, withRegistry } from './registry-option.ts'

/** `tenant-mirror events --tenant <ctx>`: a tenant's cycle log, newest first. */
export function eventCommands(): Command {
  return addRegistryOption(
    new Command('events')
      .description("a tenant's mirroring event log, newest first")
      .requiredOption('--tenant <ctx>', 'the tenant')
      .option('--limit <n>', 'entries to show', '50')
      .option('--json', 'as JSON'),
  ).action(async (o: { registry: string; tenant: string; limit: string; json?: boolean }) => {
    const limit = Number(o.limit)
    if (!Number.isInteger(limit) || limit < 1) return fail('--limit must be a positive whole number', 2)
    await withRegistry(o.registry, async (registry) => {
      const events = await registry.list(o.tenant, limit)
      if (o.json) return void process.stdout.write(`${JSON.stringify(events, null, 2)}\n`)
      process.stdout.write(
        table([
          ['TIME', 'TYPE', 'APPLICATION', 'MESSAGE'],
          ...events.map((e) => [new Date(e.at).toISOString(), e.type, e.clientId, e.message]),
        ]),
      )
    })
  })
}
