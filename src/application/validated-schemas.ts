import { isDeeplyFrozen, type WireTableSchema } from '../domain/protocol/messages.ts'
import type { SchemaError } from '../domain/schema/schema-error.ts'
import { buildTableSchema, type SchemaOptions, type TableSchema } from '../domain/schema/table-schema.ts'
import type { Result } from '../domain/shared/result.ts'

/** Tables remembered; SuperOffice's schema is about 400, mostly the same for every tenant. */
const LIMIT = 4096

/**
 * Wire tables validated into schemas, remembered by the table's text: every cycle of every
 * tenant reads and sends its whole schema, mostly unchanged and mostly the same as the other
 * tenants', and building 400 tables cost a few ms each time, in the task and in the service.
 * Schemas are immutable values, so one can serve every cycle and call with the same table.
 */
export class ValidatedSchemas {
  readonly #options: SchemaOptions
  readonly #built = new Map<string, Result<TableSchema, SchemaError>>()
  /**
   * A frozen table by the object itself: a SQLite source hands every cycle the same frozen
   * tables, whose text (400 of them) took longer to make than the rest of the lookup.
   */
  readonly #frozen = new WeakMap<WireTableSchema, Result<TableSchema, SchemaError>>()

  constructor(options: SchemaOptions = {}) {
    this.#options = options
  }

  build(wire: WireTableSchema): Result<TableSchema, SchemaError> {
    const frozen = this.#frozen.get(wire)
    if (frozen) return frozen
    const key = tableText(wire)
    let built = this.#built.get(key)
    if (!built) {
      built = buildTableSchema(wire, this.#options)
      if (this.#built.size >= LIMIT) this.#built.delete(this.#built.keys().next().value!)
      this.#built.set(key, built)
    }
    if (isDeeplyFrozen(wire)) this.#frozen.set(wire, built)
    return built
  }
}

/** The table exactly as sent, every string length-prefixed so that no two tables share a text. */
function tableText(wire: WireTableSchema): string {
  let text = `${wire.name.length}:${wire.name}`
  for (const c of wire.columns)
    text += `|${c.name.length}:${c.name}${c.type.length}:${c.type}${c.isNullable.length}:${c.isNullable}${c.defaultValue.length}:${c.defaultValue}`
  return text
}
