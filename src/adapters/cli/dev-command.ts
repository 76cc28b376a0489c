import { Command, Option } from 'commander'
import { startDevSystem } from '../demo/dev-system.ts'
import { cycleLine } from '../task/progress/cycle-line.ts'
import { fail } from './fail.ts'
import { firstLine } from './registry-option.ts'

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** `tenant-mirror dev` (= `npm start`): the whole system with a demo tenant, in the foreground. */
export function devCommand(): Command {
  return new Command('dev')
    .description('run the whole system on this machine: client service, dashboard, scheduler and a demo tenant')
    .addOption(
      new Option('--data <dir>', 'where keys, databases and the admin token live').env('MIRROR_DATA').default('./data'),
    )
    .option('--reset', 'delete the data directory first and start over')
    .addOption(new Option('--port <n>', 'TCP port').env('PORT').default('8080'))
    .addOption(new Option('--host <address>', 'address to listen on').env('HOST').default('127.0.0.1'))
    .addOption(new Option('--interval <seconds>', 'seconds between the demo tenant’s cycles').default('30'))
    .addOption(
      new Option('--size <contacts>', 'contacts in a new demo tenant (persons and the rest scale with it)').default(
        '2000',
      ),
    )
    .addOption(
      new Option('--log-level <level>', 'level of the JSON log in <data>/dev.log (the terminal gets a line per cycle)')
        .choices(LEVELS)
        .env('MIRROR_LOG_LEVEL')
        .default('info'),
    )
    .action(
      async (o: {
        data: string
        reset?: boolean
        port: string
        host: string
        interval: string
        size: string
        logLevel: (typeof LEVELS)[number]
      }) => {
        const port = Number(o.port)
        const interval = Number(o.interval)
        const contacts = Number(o.size)
        if (!Number.isInteger(port) || port < 0 || port > 65535) return fail('--port must be 0 to 65535', 2)
        if (!(interval >= 1)) return fail('--interval must be at least 1 second', 2)
        if (!Number.isInteger(contacts) || contacts < 1) return fail('--size must be a whole number of contacts', 2)
        if (!o.reset) process.stdout.write(`tenant-mirror dev: using ${o.data}\n`)
        let system: Awaited<ReturnType<typeof startDevSystem>>
        try {
          system = await startDevSystem({
            data: o.data,
            reset: Boolean(o.reset),
            host: o.host,
            port,
            intervalSeconds: interval,
            contacts,
            logLevel: o.logLevel,
            // One line per cycle of the demo tenant; the JSON log lines are in the log file.
            onCycle: ({ contextId }, report) =>
              process.stdout.write(`${cycleLine({ contextId }, report, new Date())}\n`),
          })
        } catch (error) {
          return fail(firstLine(error))
        }
        process.stdout.write(
          [
            'tenant-mirror is running',
            `  mirroring service  ${system.url}`,
            `  dashboard          ${system.dashboardUrl}`,
            `  admin token        ${system.adminToken}`,
            `  metrics            ${new URL('/metrics', system.url)}`,
            `  log                ${system.files.log} (JSON lines)`,
            `  demo tenant        Cust12345, cycles every ${interval} s (source ${system.files.source})`,
            '  more activity      npx tenant-mirror demo activity',
            'Ctrl-C stops everything.',
            '',
          ].join('\n'),
        )
        const stop = async () => {
          process.stdout.write('stopping: finishing the cycle in flight\n')
          await system.stop()
          process.exit(0)
        }
        process.once('SIGINT', () => void stop())
        process.once('SIGTERM', () => void stop())
      },
    )
}
