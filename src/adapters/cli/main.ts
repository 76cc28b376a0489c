import { Command } from 'commander'
import { VERSION } from '../bootstrap/version.ts'
import { appCommands } from './app-commands.ts'
import { tuneCollector } from './collector-settings.ts'
import { demoCommand } from './demo-command.ts'
import { devCommand } from './dev-command.ts'
import { eventCommands } from './event-commands.ts'
import { exitOnUnexpectedErrors } from './fatal-errors.ts'
import { keysCommand } from './keys-command.ts'
import { replayCommand } from './replay-command.ts'
import { serveCommand } from './serve-command.ts'
import { taskCommands } from './task-commands.ts'
import { tenantCommands } from './tenant-commands.ts'
import { configureUsageErrors } from './usage-errors.ts'

const program = new Command('tenant-mirror')
  .description('SuperOffice database mirroring: the partner-hosted mirroring client service and the Mirroring Task')
  .version(VERSION)
  .addCommand(serveCommand())
  .addCommand(devCommand())
  .addCommand(demoCommand())
  .addCommand(keysCommand())
  .addCommand(replayCommand())
  .addCommand(appCommands())
  .addCommand(tenantCommands())
  .addCommand(taskCommands())
  .addCommand(eventCommands())

tuneCollector()
configureUsageErrors(program)
exitOnUnexpectedErrors()
await program.parseAsync(process.argv)
