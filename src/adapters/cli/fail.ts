import { USAGE_ERROR_EXIT, withVariables } from './usage-errors.ts'

/**
 * Stops the command with one clear line on stderr, as every start-up error does. Exit 2 is a
 * configuration or usage error: the flags it names are followed by their environment variables.
 */
export function fail(message: string, code = 1): never {
  process.stderr.write(`tenant-mirror: ${code === USAGE_ERROR_EXIT ? withVariables(message) : message}\n`)
  process.exit(code)
}
