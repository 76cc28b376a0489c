import type { WireTableSchema } from '../domain/protocol/messages.ts'
import type { SchemaError } from '../domain/schema/schema-error.ts'
import { schemaFingerprint } from '../domain/schema/schema-fingerprint.ts'
import { buildTableSchema, type SchemaOptions, type TableSchema } from '../domain/schema/table-schema.ts'
import type { Result } from '../domain/shared/result.ts'
import type { SchemaHasher } from './ports/schema-hasher.port.ts'

/** Tables remembered; SuperOffice's schema is about 400, mostly the same for every tenant. */
const LIMIT = 4096

/**
 * Wire tables validated into schemas, and those schemas' hashes, remembered by the table's text:
 * every cycle of every tenant sends its whole schema, mostly unchanged and mostly the same as the
 * other tenants', and building and hashing 400 tables cost about 6 ms of each TableSchema call.
 * Schemas are immutable values, so one can serve every call that sends the same table.
 */
export class ValidatedSchemas {
  readonly #options: SchemaOptions
  readonly #hasher: SchemaHasher
  readonly #built = new Map<string, Result<TableSchema, SchemaError>>()
  readonly #hashes = new WeakMap<TableSchema, string>()

  constructor(options: SchemaOptions, hasher: SchemaHasher) {
    this.#options = options
    this.#hasher = hasher
  }

  build(wire: WireTableSchema): Result<TableSchema, SchemaError> {
    const key = tableText(wire)
    const kept = this.#built.get(key)
    if (kept) return kept
    const built = buildTableSchema(wire, this.#options)
    if (this.#built.size >= LIMIT) this.#built.delete(this.#built.keys().next().value!)
    this.#built.set(key, built)
    return built
  }

  hash(schema: TableSchema): string {
    let hash = this.#hashes.get(schema)
    if (hash === undefined) {
      hash = this.#hasher.hash(schemaFingerprint(schema))
      this.#hashes.set(schema, hash)
    }
    return hash
  }
}

/** The table exactly as sent, every string length-prefixed so that no two tables share a text. */
function tableText(wire: WireTableSchema): string {
  let text = `${wire.name.length}:${wire.name}`
  for (const c of wire.columns)
    text += `|${c.name.length}:${c.name}${c.type.length}:${c.type}${c.isNullable.length}:${c.isNullable}${c.defaultValue.length}:${c.defaultValue}`
  return text
}
