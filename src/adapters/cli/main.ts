import { Command } from 'commander'
import { VERSION } from '../bootstrap/version.ts'
import { keysCommand } from './keys-command.ts'
import { replayCommand } from './replay-command.ts'
import { serveCommand } from './serve-command.ts'

const program = new Command('tenant-mirror')
  .description('SuperOffice database mirroring: the partner-hosted mirroring client service')
  .version(VERSION)
  .addCommand(serveCommand())
  .addCommand(keysCommand())
  .addCommand(replayCommand())

await program.parseAsync(process.argv)
