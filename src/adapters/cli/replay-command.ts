import { accessSync, constants } from 'node:fs'
import { Command, Option } from 'commander'
import pino from 'pino'
import { parseServiceConfig } from '../bootstrap/config.ts'
import { createMirroringService } from '../bootstrap/container.ts'
import type { CallEvent } from '../http/call-summary.ts'
import { replayCaptures } from '../replay/replay-captures.ts'
import { PinnedClock } from '../system/clocks.ts'
import { createPinoLogger, type LogLevel } from '../system/pino-logger.ts'
import { fail } from './fail.ts'
import { checkServiceFiles, fileProblem } from './option-files.ts'
import { addServiceOptions, rawServiceOptions } from './service-options.ts'

export function replayCommand(): Command {
  const command = new Command('replay')
    .description("run captured SOAP requests through the service in-process, each at its token's time")
    .argument('<captures...>', 'files holding one envelope, or raw HTTP requests with headers')
    .option('--out <dir>', 'write each response to this directory')
    .addOption(
      new Option('--log-level <level>', 'service log level (to stderr)').env('MIRROR_LOG_LEVEL').default('warn'),
    )
  return addServiceOptions(command).action(async (captures: string[], options: Record<string, unknown>) => {
    // A replay checks a configuration: its nonces and activity are kept for the run only, unless asked.
    const parsed = parseServiceConfig(rawServiceOptions(options, { state: options.state ?? 'memory:' }))
    if (!parsed.ok) return fail(parsed.error, 2)
    checkServiceFiles(parsed.config)
    for (const file of captures) {
      try {
        accessSync(file, constants.R_OK)
      } catch (error) {
        return fail(fileProblem(file, error), 2)
      }
    }
    const clock = new PinnedClock(Date.now())
    const logger = createPinoLogger(parsed.config.logLevel as LogLevel, pino.destination(2))
    let answered: CallEvent | undefined
    let service: ReturnType<typeof createMirroringService>
    try {
      service = createMirroringService(parsed.config, { clock, logger, calls: (call) => (answered = call) })
    } catch (error) {
      return fail(error instanceof Error ? error.message.split('\n')[0]! : String(error), 2)
    }
    let failed = 0
    try {
      const replayed = {
        app: service.app,
        path: parsed.config.path,
        clock,
        answered: () => {
          const call = answered
          answered = undefined
          return call
        },
      }
      const lines = await replayCaptures(replayed, captures, options.out as string | undefined)
      for (const line of lines) {
        if (!line.successful) failed++
        for (const warning of line.warnings) process.stderr.write(`${line.source}: warning: ${warning}\n`)
        const error = line.error ? ` ${line.error}` : ''
        process.stdout.write(
          `${line.source} ${line.operation} ${line.contextId} IsSuccessful=${line.successful}${error}\n`,
        )
      }
    } catch (error) {
      return fail(error instanceof Error ? error.message.split('\n')[0]! : String(error))
    } finally {
      await service.close()
      logger.flush()
    }
    process.exitCode = failed > 0 ? 1 : 0
  })
}
