import type { Command } from 'commander'

/** Exit status of a configuration or usage error: a bad or missing option, a file an option names that cannot be read. */
export const USAGE_ERROR_EXIT = 2

/** The command commander chose to run: its options say which environment variable stands for which flag. */
let running: Command | undefined

/**
 * The CLI's exit statuses: 2 for a configuration or usage error, 1 for a runtime failure (a
 * cycle failed, an unknown id, a server that does not answer), 70 for an unexpected error
 * (fatal-errors.ts). Commander's own usage errors (an unknown option, a missing argument, a
 * value not among the choices) exit 2 too, on one line that starts like every other, and a
 * flag named in a usage error is followed by its environment variable:
 * `--port (PORT) must be a number`. Applied to the whole tree, so that commands added later
 * follow it without doing anything.
 */
export function configureUsageErrors(program: Command): Command {
  program.hook('preAction', (_program, command) => {
    running = command
  })
  const visit = (command: Command) => {
    command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : USAGE_ERROR_EXIT))
    command.configureOutput({
      outputError: (text, write) => write(withVariables(text.replace(/^error: /, 'tenant-mirror: '), command)),
    })
    for (const sub of command.commands) visit(sub)
  }
  visit(program)
  return program
}

/**
 * The message with each flag it names followed by the flag's environment variable, for the
 * running command's options that have one. The variables are read from the options themselves,
 * so a message can never name a wrong one. A message that already names a variable keeps it.
 */
export function withVariables(message: string, command: Command | undefined = running): string {
  if (!command) return message
  let text = message
  for (const option of command.options) {
    const variable = option.envVar
    if (!variable || !option.long || text.includes(variable)) continue
    // Commander quotes the option's whole flags: `option '--port <n>' argument 'x' is invalid`.
    const quoted = `'${option.flags}'`
    if (text.includes(quoted)) {
      text = text.replace(quoted, `${option.long} (${variable})`)
      continue
    }
    const flag = new RegExp(`(?<![\\w-])${option.long.replace(/[-]/g, '\\-')}(?![\\w-])`)
    text = text.replace(flag, (found) => `${found} (${variable})`)
  }
  return text
}
