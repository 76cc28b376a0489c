import { Command } from 'commander'
import { fail } from './fail.ts'
import { addRegistryOption, contextIdArg, table, usageErrorsExit2, withRegistry } from './registry-option.ts'

/** `tenant-mirror events --tenant <ctx>`: a tenant's cycle log, newest first. */
export function eventCommands(): Command {
  const events = addRegistryOption(
    new Command('events')
      .description("a tenant's mirroring event log, newest first")
      .requiredOption('--tenant <ctx>', 'the tenant')
      .option('--limit <n>', 'entries to show', '50')
      .option('--json', 'as JSON'),
  ).action(async (o: { registry: string; tenant: string; limit: string; json?: boolean }) => {
    const contextId = contextIdArg(o.tenant, '--tenant')
    const limit = /^\d{1,6}$/.test(o.limit.trim()) ? Number(o.limit) : 0
    if (limit < 1) return fail(`--limit '${o.limit.slice(0, 20)}' is not a whole number from 1 to 999999`, 2)
    await withRegistry(o.registry, async (registry) => {
      const entries = await registry.list(contextId, limit)
      // A tenant removed from the registry may still have a log worth reading; only say "unknown" when both are empty.
      if (entries.length === 0 && !(await registry.tenant(contextId))) return fail(`no tenant ${contextId}`)
      if (o.json) {
        const withTime = entries.map((e) => ({ time: new Date(e.at).toISOString(), ...e }))
        return void process.stdout.write(`${JSON.stringify(withTime, null, 2)}\n`)
      }
      process.stdout.write(
        table([
          ['TIME', 'TYPE', 'APPLICATION', 'MESSAGE'],
          ...entries.map((e) => [new Date(e.at).toISOString(), e.type, e.clientId, oneLine(e.message)]),
        ]),
      )
    })
  })
  return usageErrorsExit2(events)
}

// A multi-line message would break the table's rows; --json keeps it whole.
const oneLine = (message: string) => message.replace(/\s*[\r\n]+\s*/g, ' ')
