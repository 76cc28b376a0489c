import type { MirrorDatabaseProvider } from '../../src/application/ports/mirror-database.port.ts'
import { isMirrorInspector, type MirrorInspector } from '../../src/application/ports/mirror-inspection.port.ts'
import type { Row } from '../../src/domain/changes/cell-value.ts'
import type { ContextId } from '../../src/domain/handshake/context-id.ts'

/** The provider as the inspector it is (every built-in one is); a test fails plainly when it is not. */
export function inspectorOf(provider: MirrorDatabaseProvider): MirrorInspector {
  if (!isMirrorInspector(provider)) throw new Error('the mirror provider offers no inspection')
  return provider
}

/** A tenant's table, every row in key order, read through the provider's inspection. */
export async function mirrorRows(provider: MirrorDatabaseProvider, contextId: string, table: string): Promise<Row[]> {
  const rows: Row[] = []
  for await (const row of (await inspectorOf(provider).inspect(contextId as ContextId)).readRows(table)) rows.push(row)
  return rows
}
