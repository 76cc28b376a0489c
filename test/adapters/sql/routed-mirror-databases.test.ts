import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { parseDatabaseLocation } from '../../../src/adapters/sql/database-location.ts'
import type { ResolveConnection } from '../../../src/adapters/sql/routed-mirror-databases.ts'
import type { ContextId } from '../../../src/domain/handshake/context-id.ts'
import { batch, peopleTable, rowDataCall, tableSchemaCall } from '../../support/envelopes.ts'
import { post } from '../../support/http.ts'
import { POSTGRES_URL } from '../../support/servers.ts'
import { testService } from '../../support/test-service.ts'

const sqliteDir = () => mkdtempSync(join(tmpdir(), 'tm-routed-'))
const files = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.sqlite'))
const tenant = (contextId: string) => ({ contextId })

async function load(app: Parameters<typeof post>[0], contextId: string, people = peopleTable()) {
  const schema = await post(app, await tableSchemaCall([people], tenant(contextId)))
  const rows = await post(app, await rowDataCall([batch(people, 5, [['[I:1]', 'Ann', null]])], tenant(contextId)))
  return { schema, rows }
}

describe('a resolveConnection hook (the reference ResolveConnection)', () => {
  it('puts tenants on other locations under their own names, the rest where --database says', async () => {
    const home = sqliteDir()
    const away = sqliteDir()
    const asked: string[] = []
    const resolveConnection: ResolveConnection = (contextId) => {
      asked.push(contextId)
      return contextId === 'CustB' ? { database: `sqlite:${away}`, name: 'Partner_B' } : undefined
    }
    const service = await testService({
      config: { database: parseDatabaseLocation(`sqlite:${home}`)! },
      resolveConnection,
    })
    try {
      for (const contextId of ['CustA', 'CustB']) {
        const { schema, rows } = await load(service.app, contextId)
        expect(schema.successful, schema.error).toBe(true)
        expect(rows.successful, rows.error).toBe(true)
      }
      expect(files(home)).toEqual(['Mirror_CustA.sqlite'])
      expect(files(away)).toEqual(['Partner_B.sqlite'])
      // Asked on every call, not once per tenant.
      expect(asked.filter((c) => c === 'CustB').length).toBeGreaterThanOrEqual(2)
      // The dashboard's reads go where the calls went.
      const inspected = await service.inspector!.inspect('CustB' as ContextId)
      expect(await inspected.countRows('person')).toBe(1)
    } finally {
      await service.close()
    }
  })

  it('follows a changed answer from the next call', async () => {
    const first = sqliteDir()
    const second = sqliteDir()
    let target = first
    const service = await testService({
      config: { database: parseDatabaseLocation('memory:')! },
      resolveConnection: () => ({ database: `sqlite:${target}` }),
    })
    try {
      expect((await load(service.app, 'CustA')).rows.successful).toBe(true)
      target = second
      expect((await load(service.app, 'CustA')).rows.successful).toBe(true)
      expect(files(first)).toEqual(['Mirror_CustA.sqlite'])
      expect(files(second)).toEqual(['Mirror_CustA.sqlite'])
    } finally {
      await service.close()
    }
  })

  it('holds each tenant to the limits of the engine it lives on', async () => {
    const home = sqliteDir()
    const schema = `tm_routed_${randomBytes(4).toString('hex')}`
    const admin = new pg.Client({ connectionString: POSTGRES_URL })
    await admin.connect()
    await admin.query(`create schema ${schema}`)
    const onPostgres = new URL(POSTGRES_URL)
    // A 64-character column: SQLite keeps it, PostgreSQL would cut it to 63 bytes, so it is refused there.
    const people = peopleTable([{ name: `c${'x'.repeat(63)}`, type: 'int', isNullable: 'true', defaultValue: '' }])
    const service = await testService({
      config: { database: parseDatabaseLocation(`sqlite:${home}`)! },
      resolveConnection: (contextId) =>
        contextId === 'CustPg' ? { database: onPostgres.toString(), name: schema, layout: 'schema' } : undefined,
    })
    try {
      expect((await post(service.app, await tableSchemaCall([people], tenant('CustLite')))).successful).toBe(true)
      const refused = await post(service.app, await tableSchemaCall([people], tenant('CustPg')))
      expect(refused.successful).toBe(false)
      expect(refused.error).toMatch(/63 bytes/)
      const { rows } = await load(service.app, 'CustPg')
      expect(rows.successful, rows.error).toBe(true)
      const { rows: stored } = await admin.query(`select count(*)::int as n from ${schema}.person`)
      expect(stored[0].n).toBe(1)
    } finally {
      await service.close()
      await admin.query(`drop schema ${schema} cascade`)
      await admin.end()
    }
  })

  it('fails the call with a clear error, creating nothing, when the hook or its answer is wrong', async () => {
    const home = sqliteDir()
    const answers: Record<string, () => ReturnType<ResolveConnection>> = {
      CustThrow: () => {
        throw new Error('tenant directory unavailable')
      },
      CustScheme: () => ({ database: 'ftp://operator:hunter2@files.example/mirrors' }),
      CustName: () => ({ name: '../escape' }),
    }
    const service = await testService({
      config: { database: parseDatabaseLocation(`sqlite:${home}`)! },
      resolveConnection: (contextId) => answers[contextId]?.(),
    })
    try {
      const expected: Record<string, RegExp> = {
        CustThrow: /resolveConnection failed for CustThrow: tenant directory unavailable/,
        CustScheme: /resolveConnection gave CustScheme a database \(ftp:…\) that no dialect in the registry reads/,
        CustName: /mirror database name '\.\.\/escape' is not a plain name/,
      }
      for (const [contextId, error] of Object.entries(expected)) {
        const { schema, rows } = await load(service.app, contextId)
        for (const reply of [schema, rows]) {
          expect(reply.successful).toBe(false)
          expect(reply.error).toMatch(error)
          expect(reply.error).not.toContain('hunter2')
        }
      }
      expect(files(home)).toEqual([])
      expect(JSON.stringify(service.log.lines)).not.toContain('hunter2')
      expect(existsSync(join(home, 'escape.sqlite'))).toBe(false)
    } finally {
      await service.close()
    }
  })
})
