import { MAX_IDENTIFIER_LENGTH } from '../../../../domain/schema/identifier.ts'
import { InMemoryMirrorDatabases } from '../../../memory/in-memory-mirror-database.ts'
import type { DatabaseLocation, DialectEntry } from '../../dialect-entry.ts'

/** `memory:`: mirrors in the process, kept until it ends; no driver, and no names to hold to a limit. */
export const memoryEntry: DialectEntry<DatabaseLocation> = {
  name: 'memory',
  schemes: ['memory:'],
  form: 'memory:',
  identifierLimit: { length: MAX_IDENTIFIER_LENGTH, unit: 'characters' },
  parse: (value) => (value === 'memory:' || value === 'memory' ? { kind: 'memory' } : undefined),
  describe: () => 'memory:',
  open: () => new InMemoryMirrorDatabases(),
}
