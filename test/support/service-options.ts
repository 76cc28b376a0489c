import { Command } from 'commander'
import { addServiceOptions } from '../../src/adapters/cli/service-options.ts'

/** Every service option at its default, as the CLI gives them to the config parser. */
export function defaultServiceOptions(): Record<string, unknown> {
  const command = addServiceOptions(new Command('test')).exitOverride()
  command.parse([], { from: 'user' })
  return command.opts()
}
