import type { DefaultFunction } from '../../domain/schema/default-value.ts'
import type { ColumnSchema } from '../../domain/schema/table-schema.ts'
import type { RenderedDefault } from './sql-dialect.ts'

/** How an engine writes the defaults it can keep; no default and unknown expressions read alike everywhere. */
export interface DefaultRules {
  readonly null: string
  number(text: string): RenderedDefault
  string(value: string, unicode: boolean): RenderedDefault
  function(name: DefaultFunction): RenderedDefault
}

/**
 * A column's default for the engine. Defaults are re-rendered from the parsed value, never
 * copied from the wire: an expression the parser does not know is dropped with a warning.
 */
export function renderDefaultBy(column: ColumnSchema, rules: DefaultRules): RenderedDefault {
  const value = column.defaultValue
  switch (value.kind) {
    case 'none':
      return { sql: undefined }
    case 'null':
      return { sql: rules.null }
    case 'number':
      return rules.number(value.text)
    case 'string':
      return rules.string(value.value, value.unicode)
    case 'function':
      return rules.function(value.name)
    case 'expression':
      return { sql: undefined, warning: 'default expression is not a constant or a known function and was dropped' }
  }
}

/** A string literal with its quotes doubled. */
export function quotedLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}
