import { type Command, type CommanderError, Option } from 'commander'
import { parseContextId } from '../../domain/handshake/context-id.ts'
import { checkClientId } from '../../domain/registry/registered-application.ts'
import { TASK_DEFAULTS } from '../bootstrap/task-config.ts'
import type { KyselyRegistry } from '../task/store/kysely-registry.ts'
import { openRegistry } from '../task/store/open-registry.ts'
import { fail } from './fail.ts'

const REGISTRY_URL = /^(sqlite:.+|postgres(ql)?:\/\/.+)$/

export function addRegistryOption(command: Command): Command {
  return command.addOption(
    new Option('--registry <url>', 'where applications, tenants and events live: sqlite:<file> or postgres://…')
      .env('MIRROR_REGISTRY')
      .default(TASK_DEFAULTS.registry),
  )
}

/**
 * Runs `work` with the registry open, closing it after. A registry that cannot open, or fails
 * underneath a command, stops it with one line (the URL's password masked) instead of a trace.
 */
export async function withRegistry<T>(url: string, work: (registry: KyselyRegistry) => Promise<T>): Promise<T> {
  if (!REGISTRY_URL.test(url))
    return fail(`--registry '${redactUrl(url).slice(0, 80)}' is not sqlite:<file> or postgres://…`, 2)
  let registry: KyselyRegistry
  try {
    registry = await openRegistry(url)
  } catch (error) {
    return fail(`cannot open the registry: ${firstLine(error)}`)
  }
  try {
    return await work(registry)
  } catch (error) {
    return fail(`registry: ${firstLine(error)}`)
  } finally {
    await registry.close()
  }
}

/**
 * Commander reports usage errors (a missing required option, an unknown flag) with exit 1;
 * these commands keep 1 for unknown ids and give every invalid invocation 2, like their own checks.
 */
export function usageErrorsExit2<C extends Command>(command: C): C {
  const exit = (error: CommanderError): never => process.exit(error.exitCode === 0 ? 0 : 2)
  const visit = (c: Command) => {
    c.exitOverride(exit)
    for (const sub of c.commands) visit(sub)
  }
  visit(command)
  return command
}

/** A context id from the command line, or the command stops with exit 2. */
export function contextIdArg(value: string, label = 'context id'): string {
  const parsed = parseContextId(value)
  if (!parsed.ok) return fail(`${label} '${value.slice(0, 40)}' is not letters, digits, _ and -`, 2)
  return parsed.value
}

/** A client id from the command line, or the command stops with exit 2. */
export function clientIdArg(value: string, label?: string): string {
  const parsed = checkClientId(value)
  if (!parsed.ok) return fail(label ? `${label}: ${parsed.error}` : parsed.error, 2)
  return parsed.value
}

/** Masks the password of a URL's user info and any `password=` parameter. */
export function redactUrl(text: string): string {
  return text.replace(/\/\/([^:/@\s]*):[^@/\s]*@/g, '//$1:***@').replace(/(password=)[^&\s]*/gi, '$1***')
}

export function firstLine(error: unknown): string {
  return redactUrl((error instanceof Error ? error.message : String(error)).split('\n')[0]!)
}

/** Rows as aligned columns for a terminal. */
export function table(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return ''
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  return `${rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`
}
