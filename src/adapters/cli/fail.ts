/** Stops the command with one clear line on stderr, as every start-up error does. */
export function fail(message: string, code = 1): never {
  process.stderr.write(`tenant-mirror: ${message}\n`)
  process.exit(code)
}
