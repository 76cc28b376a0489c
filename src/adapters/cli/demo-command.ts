import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Command } from 'commander'
import { activityRound } from '../demo/demo-activity.ts'
import { DEMO_TENANT } from '../demo/dev-system.ts'
import { fail } from './fail.ts'

/** `tenant-mirror demo activity`: keeps the demo tenant busy so that incremental cycles have work. */
export function demoCommand(): Command {
  const demo = new Command('demo').description('the demo tenant of tenant-mirror dev')
  demo
    .command('activity')
    .description('make inserts, updates, deletes and now and then a schema change in the demo tenant’s source')
    .option('--data <dir>', 'the data directory of tenant-mirror dev', './data')
    .option('--rounds <n>', 'rounds to run (default: until Ctrl-C)')
    .option('--every <ms>', 'pause between rounds', '2000')
    .option('--changes <n>', 'row changes per round', '50')
    .option('--schema-every <n>', 'a schema change every n rounds (0: never)', '10')
    .option('--seed <n>', 'random seed', '1')
    .action(
      async (o: {
        data: string
        rounds?: string
        every: string
        changes: string
        schemaEvery: string
        seed: string
      }) => {
        const file = join(o.data, 'sources', `${DEMO_TENANT}.sqlite`)
        if (!existsSync(file)) return fail(`no demo tenant in ${o.data}: run tenant-mirror dev first`)
        const rounds = o.rounds === undefined ? Number.POSITIVE_INFINITY : Number(o.rounds)
        const every = Number(o.every)
        const changes = Number(o.changes)
        const schemaEvery = Number(o.schemaEvery)
        if (!(rounds >= 1) || !(every >= 0) || !(changes >= 0) || !(schemaEvery >= 0)) {
          return fail('--rounds, --every, --changes and --schema-every must be non-negative numbers', 2)
        }
        let stopping = false
        process.once('SIGINT', () => {
          stopping = true
        })
        for (let round = 1; round <= rounds && !stopping; round++) {
          const done = activityRound(file, {
            changes,
            schemaChange: schemaEvery > 0 && round % schemaEvery === 0,
            seed: Number(o.seed),
            round: (Date.now() % 1_000_000) + round,
          })
          process.stdout.write(
            `round ${round}: ${done.inserts} inserts, ${done.updates} updates, ${done.deletes} deletes${done.schemaChange ? `, added column ${done.schemaChange}` : ''}\n`,
          )
          if (round < rounds) await new Promise((r) => setTimeout(r, every))
        }
      },
    )
  return demo
}
