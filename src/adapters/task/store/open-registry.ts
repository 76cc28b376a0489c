import { openStoreDatabase } from '../../sql/store-connection.ts'
import { KyselyRegistry } from './kysely-registry.ts'
import { ensureRegistrySchema } from './registry-schema.ts'

/** Opens (creating when new) the registry at `sqlite:<file>` or `postgres://…`. */
export async function openRegistry(url: string): Promise<KyselyRegistry> {
  const { db, engine } = await openStoreDatabase(url, 'the registry (--registry)')
  try {
    await ensureRegistrySchema(db, engine)
  } catch (error) {
    await db.destroy()
    throw error
  }
  return new KyselyRegistry(db)
}
