import { createHash } from 'node:crypto'
import type { SchemaHasher } from '../../application/ports/schema-hasher.port.ts'

export class NodeSchemaHasher implements SchemaHasher {
  hash(fingerprint: string): string {
    return createHash('sha256').update(fingerprint, 'utf8').digest('hex')
  }
}
