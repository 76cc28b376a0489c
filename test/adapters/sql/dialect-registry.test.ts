import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { InMemoryMirrorDatabases } from '../../../src/adapters/memory/in-memory-mirror-database.ts'
import {
  acceptedForms,
  describeLocation,
  layoutProblem,
  parseDatabaseLocation,
} from '../../../src/adapters/sql/database-location.ts'
import type { DialectEntry } from '../../../src/adapters/sql/dialect-entry.ts'
import { BUILT_IN_DIALECTS } from '../../../src/adapters/sql/dialect-registry.ts'
import { openMirrorDatabases } from '../../../src/adapters/sql/mirror-databases.ts'
import { tenantNameRules } from '../../../src/adapters/sql/tenant-naming.ts'
import type { ContextId } from '../../../src/domain/handshake/context-id.ts'

const OPTIONS = { naming: (c: ContextId) => `M_${c}`, longestContextId: 64, pool: { maxOpen: 1, idleMs: 1000 } }

describe('--database through the built-in dialect registry', () => {
  it('reads every built-in form to the location its dialect opens', () => {
    expect(parseDatabaseLocation('sqlite:./data')).toEqual({ kind: 'sqlite', dir: './data' })
    expect(parseDatabaseLocation('sqlite:///var/lib/m')).toEqual({ kind: 'sqlite', dir: '/var/lib/m' })
    expect(parseDatabaseLocation('memory:')).toEqual({ kind: 'memory' })
    expect(parseDatabaseLocation('memory')).toEqual({ kind: 'memory' })
    const pg = 'postgres://u:secret@db:5432/admin'
    expect(parseDatabaseLocation(pg, 'schema')).toEqual({ kind: 'postgres', url: pg, layout: 'schema' })
    expect(parseDatabaseLocation('postgresql://db/admin')).toMatchObject({ kind: 'postgres', layout: 'database' })
    expect(parseDatabaseLocation('mariadb://u:p@db/x')).toEqual({ kind: 'mysql', url: 'mariadb://u:p@db/x' })
    expect(parseDatabaseLocation('MYSQL://db/x')).toMatchObject({ kind: 'mysql' })
    expect(parseDatabaseLocation('sqlserver://sa:p@db/master')).toMatchObject({ kind: 'mssql' })
    for (const refused of ['oracle://x', 'postgres://', 'mssql:nohost', 'sqlite:', './data', '', 'SQLITE:./x']) {
      expect(parseDatabaseLocation(refused), refused).toBeUndefined()
    }
  })

  it('shows a location without its credentials, and lists the forms it takes', () => {
    expect(describeLocation(parseDatabaseLocation('mysql://root:secret@db:3306/admin?ssl=1')!)).toBe(
      'mysql://db:3306/admin',
    )
    expect(describeLocation(parseDatabaseLocation('sqlite:./data')!)).toBe('sqlite:./data')
    expect(describeLocation({ kind: 'unknown', url: 'x://u:secret@h' })).toBe('unknown:')
    expect(acceptedForms()).toBe('sqlite:<dir>, memory:, postgres://…, mysql://… or mssql://…')
  })

  it('allows the schema layout where the dialect has it', () => {
    const location = (value: string) => parseDatabaseLocation(value, 'schema')!
    expect(layoutProblem(location('postgres://db/x'), 'schema')).toBeUndefined()
    expect(layoutProblem(location('mysql://db/x'), 'schema')).toBe(
      '--tenant-layout schema needs a postgres:// database',
    )
    expect(layoutProblem(location('sqlite:./d'), 'database')).toBeUndefined()
  })

  it('holds tenant names to what each engine keeps, and memory: to nothing', () => {
    expect(tenantNameRules(parseDatabaseLocation('postgres://db/x')!)).toEqual({
      engine: 'PostgreSQL',
      database: { length: 63, unit: 'bytes' },
      table: { length: 63, unit: 'bytes' },
    })
    expect(tenantNameRules(parseDatabaseLocation('mssql://db/x')!)?.database).toEqual({
      length: 128,
      unit: 'characters',
    })
    expect(tenantNameRules(parseDatabaseLocation('memory:')!)).toBeUndefined()
  })
})

describe('a registry an integrator passes', () => {
  const mirrors = new InMemoryMirrorDatabases()
  const elsewhere: DialectEntry = {
    name: 'elsewhere',
    schemes: ['memory:'],
    form: 'memory:',
    identifierLimit: { length: 128, unit: 'characters' },
    parse: (value) => (value.startsWith('memory') ? { kind: 'elsewhere' } : undefined),
    describe: () => 'memory: (elsewhere)',
    open: () => mirrors,
  }
  const registry = [...BUILT_IN_DIALECTS, elsewhere]

  it('takes a scheme from a built-in when listed after it, and opens its locations with its own entry', () => {
    const location = parseDatabaseLocation('memory:', 'database', registry)!
    expect(location).toEqual({ kind: 'elsewhere' })
    expect(describeLocation(location, registry)).toBe('memory: (elsewhere)')
    expect(openMirrorDatabases(location, OPTIONS, registry)).toBe(mirrors)
    expect(acceptedForms(registry)).toBe(acceptedForms())
    // The built-ins alone still read memory: as their own, and know nothing of the added kind.
    expect(parseDatabaseLocation('memory:')).toEqual({ kind: 'memory' })
    expect(openMirrorDatabases(parseDatabaseLocation('memory:')!, OPTIONS)).not.toBe(mirrors)
    expect(() => openMirrorDatabases(location, OPTIONS)).toThrow(
      "no dialect in the registry opens 'elsewhere' locations",
    )
  })
})

describe('dialect folders load on first use', () => {
  it('opens SQLite mirrors without loading pg, mysql2 or tedious, and a PostgreSQL location loads nothing until used', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-lazy-'))
    // A fresh process, whose module resolutions are recorded: this one has loaded every driver already.
    const probe = `
      import { registerHooks } from 'node:module'
      const seen = new Set()
      registerHooks({ resolve: (specifier, context, next) => (seen.add(specifier), next(specifier, context)) })
      const { ROOT, DIR } = process.env
      const { parseDatabaseLocation } = await import(ROOT + '/src/adapters/sql/database-location.ts')
      const { openMirrorDatabases } = await import(ROOT + '/src/adapters/sql/mirror-databases.ts')
      const options = { naming: (c) => 'M_' + c, longestContextId: 64, pool: { maxOpen: 1, idleMs: 1000 } }
      const drivers = () => ['better-sqlite3', 'pg', 'mysql2', 'tedious'].filter((d) => seen.has(d))
      const postgres = openMirrorDatabases(parseDatabaseLocation('postgres://u:p@127.0.0.1:9/x'), options)
      const opened = drivers()
      const sqlite = openMirrorDatabases(parseDatabaseLocation('sqlite:' + DIR), options)
      await (await sqlite.forTenant('Cust1')).readState()
      const used = drivers()
      await sqlite.close()
      await postgres.close()
      console.log(JSON.stringify({ opened, used }))`
    try {
      const output = execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
        env: { ...process.env, ROOT: resolve('.'), DIR: dir },
        encoding: 'utf8',
      })
      expect(JSON.parse(output)).toEqual({ opened: [], used: ['better-sqlite3'] })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
