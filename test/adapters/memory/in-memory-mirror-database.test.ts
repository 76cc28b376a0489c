import { InMemoryMirrorDatabase } from '../../../src/adapters/memory/in-memory-mirror-database.ts'
import type { ContextId } from '../../../src/domain/handshake/context-id.ts'
import { describeMirrorDatabaseContract } from '../../contracts/mirror-database.contract.ts'

describeMirrorDatabaseContract('in-memory', async () => {
  const db = new InMemoryMirrorDatabase('Cust1' as ContextId)
  return {
    db,
    inspect: db,
    async createForeignTable(name) {
      db.foreignTables.add(name)
    },
    async tableExists(name) {
      return (await db.readState()).physicalTables.has(name.toLowerCase())
    },
    async cleanup() {},
  }
})
