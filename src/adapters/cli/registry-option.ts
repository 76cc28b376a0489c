import { type Command, Option } from 'commander'
import { TASK_DEFAULTS } from '../bootstrap/task-config.ts'
import type { KyselyRegistry } from '../task/store/kysely-registry.ts'
import { openRegistry } from '../task/store/open-registry.ts'
import { fail } from './fail.ts'

export function addRegistryOption(command: Command): Command {
  return command.addOption(
    new Option('--registry <url>', 'where applications, tenants and events live: sqlite:<file> or postgres://…')
      .env('MIRROR_REGISTRY')
      .default(TASK_DEFAULTS.registry),
  )
}

/** Runs `work` with the registry open, closing it after; a registry that cannot open stops the command. */
export async function withRegistry<T>(url: string, work: (registry: KyselyRegistry) => Promise<T>): Promise<T> {
  let registry: KyselyRegistry
  try {
    registry = await openRegistry(url)
  } catch (error) {
    return fail(`cannot open the registry: ${firstLine(error)}`)
  }
  try {
    return await work(registry)
  } finally {
    await registry.close()
  }
}

export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error))
    .split('\n')[0]!
    .replace(/\/\/([^:/@]*):[^@/]*@/g, '//$1:***@')
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
