import { describe, expect, it } from 'vitest'
import { writeTableSchemaRequest } from '../../../src/adapters/soap/request-writers.ts'
import type { WireColumn, WireTableSchema } from '../../../src/domain/protocol/messages.ts'

const column = (name: string): WireColumn => ({ name, type: 'int', isNullable: 'false', defaultValue: '' })
const write = (table: WireTableSchema) =>
  writeTableSchemaRequest({ signedToken: 't', clientState: '', tables: [table] })

describe('request writers', () => {
  it("keeps a table's text only while nothing of the table can change", () => {
    // The table and its column list frozen, but not the column objects: a renamed column shows.
    const shallow = Object.freeze({ name: 'person', columns: Object.freeze([column('id')]) })
    expect(write(shallow)).toContain('<a:Name>id</a:Name>')
    ;(shallow.columns[0] as { name: string }).name = 'person_id'
    expect(write(shallow)).toContain('<a:Name>person_id</a:Name>')
    const deep = Object.freeze({ name: 'person', columns: Object.freeze([Object.freeze(column('id'))]) })
    expect(write(deep)).toBe(write(shallow).replace('person_id', 'id'))
  })
})
