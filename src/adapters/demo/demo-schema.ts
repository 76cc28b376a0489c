import { readFileSync } from 'node:fs'
import type { WireTableSchema } from '../../domain/protocol/messages.ts'

type CompactColumn = [name: string, type: string, nullable: boolean, defaultValue: string]

/** The real 413-table SuperOffice schema, from the captured TableSchema request (assets/demo). */
export function superOfficeSchema(): WireTableSchema[] {
  const url = new URL('../../../assets/demo/superoffice-schema.json', import.meta.url)
  const compact = JSON.parse(readFileSync(url, 'utf8')) as { name: string; columns: CompactColumn[] }[]
  return compact.map((t) => ({
    name: t.name,
    columns: t.columns.map(([name, type, nullable, defaultValue]) => ({
      name,
      type,
      isNullable: nullable ? 'true' : 'false',
      defaultValue,
    })),
  }))
}
