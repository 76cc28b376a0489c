import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readTableSchema } from '../../../src/adapters/soap/request-readers.ts'
import { writeTableSchemaRequest } from '../../../src/adapters/soap/request-writers.ts'
import { identifyRequest, isFault } from '../../../src/adapters/soap/soap-envelope.ts'
import { tableSchemaCapture } from '../../../src/adapters/soap/table-schema-capture.ts'
import type { NamespaceScope } from '../../../src/adapters/xml/xml-scanner.ts'
import {
  type ContentRoom,
  type SubtreeCapture,
  type XmlLimits,
  XmlRejected,
  XmlTreeBuilder,
} from '../../../src/adapters/xml/xml-tree.ts'
import type { WireTableSchema } from '../../../src/domain/protocol/messages.ts'
import { contentRoom, scannerOnly as hideContent, readThrough, TASK_SCOPE } from '../../support/capture-harness.ts'

const A = 'http://schemas.datacontract.org/2004/07/SuperOffice.Online.Mirroring.Contract.V1'
const I = 'http://www.w3.org/2001/XMLSchema-instance'

function envelope(tables: string): string {
  return `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<TableSchemaRequest xmlns="http://www.superoffice.com/online/mirroring/0.1"><ClientState>cs</ClientState>
<Tables xmlns:a="${A}" xmlns:i="${I}">${tables}</Tables></TableSchemaRequest></s:Body></s:Envelope>`
}

/** readTableSchema's answer, with the Tables captured or read from the element tree. */
function read(xml: string, capture: boolean, chunk = 7) {
  const builder = new XmlTreeBuilder({ maxDepth: 32, maxElements: 10_000 }, capture ? tableSchemaCapture() : [])
  for (let i = 0; i < xml.length; i += chunk) builder.write(xml.slice(i, i + chunk))
  const request = identifyRequest(builder.close(), undefined)
  if (isFault(request)) throw new Error(request.message)
  return readTableSchema(request)
}

const column = (name: string, type = 'int', nullable = 'true', dflt = '') =>
  `<a:ColumnInfo><a:DefaultValue>${dflt}</a:DefaultValue><a:IsNullable>${nullable}</a:IsNullable><a:Name>${name}</a:Name><a:Type>${type}</a:Type></a:ColumnInfo>`

const TABLES: Record<string, string> = {
  plain: `<a:TableSchemaInfo><a:Columns>${column('id', 'int', 'false')}${column('name', 'nvarchar(40)', 'true', "default (N'a&amp;b')")}</a:Columns><a:TableName>person</a:TableName></a:TableSchemaInfo>`,
  'nil, empty and absent fields': `<a:TableSchemaInfo><a:TableName i:nil="true">t</a:TableName><a:Columns><a:ColumnInfo><a:DefaultValue i:nil="true"/><a:Name/><a:Type>  int </a:Type></a:ColumnInfo></a:Columns></a:TableSchemaInfo>`,
  'only the first of each counts': `<a:TableSchemaInfo><a:TableName>one</a:TableName><a:TableName>two</a:TableName><a:Columns>${column('a')}</a:Columns><a:Columns>${column('b')}<x:y xmlns:x="urn:x"/></a:Columns></a:TableSchemaInfo>`,
  'fields with children, CDATA, comments and references': `<a:TableSchemaInfo><a:Columns><a:ColumnInfo><a:Name>n<a:Name>inner</a:Name></a:Name><a:Type>a<![CDATA[<b>]]>c<!-- x -->&#x41;</a:Type></a:ColumnInfo></a:Columns><a:TableName>t<a:x/></a:TableName></a:TableSchemaInfo>`,
  'unknown elements and namespaces ignored inside a table': `<a:TableSchemaInfo><x:Columns xmlns:x="urn:x"><x:Bad/></x:Columns><a:Other>o</a:Other><a:Columns><a:ColumnInfo><x:Name xmlns:x="urn:x">no</x:Name><a:Name>yes</a:Name><a:Extra/></a:ColumnInfo></a:Columns><a:TableName>t</a:TableName></a:TableSchemaInfo>`,
  'no columns': '<a:TableSchemaInfo><a:TableName>empty</a:TableName></a:TableSchemaInfo><a:TableSchemaInfo/>',
}

describe('TableSchema Tables captured while streaming', () => {
  for (const [name, tables] of Object.entries(TABLES)) {
    it(`reads like the element tree: ${name}`, () => {
      const xml = envelope(tables + tables)
      const tree = read(xml, false)
      expect(tree.ok).toBe(true)
      for (const chunk of [1, 7, 4096]) expect(read(xml, true, chunk)).toEqual(tree)
    })
  }

  it('gives the tables it read', () => {
    const read1 = read(envelope(TABLES.plain! + TABLES['nil, empty and absent fields']!), true)
    expect(read1.ok && read1.value.tables).toEqual([
      {
        name: 'person',
        columns: [
          { name: 'id', type: 'int', isNullable: 'false', defaultValue: '' },
          { name: 'name', type: 'nvarchar(40)', isNullable: 'true', defaultValue: "default (N'a&b')" },
        ],
      },
      { name: '', columns: [{ name: '', type: '  int ', isNullable: '', defaultValue: '' }] },
    ])
    expect(read1.ok && read1.value.clientState).toBe('cs')
  })

  it('refuses a stranger in Tables before one in a table’s Columns, naming it, as the tree does', () => {
    const inColumns = `<a:TableSchemaInfo><a:Columns>${column('a')}<y:Other xmlns:y="urn:y"/></a:Columns></a:TableSchemaInfo>`
    const inTables = `${inColumns}<a:TableSchemaInfo/><z:ColumnInfo xmlns:z="urn:z"/>`
    for (const capture of [true, false]) {
      expect(read(envelope(inColumns), capture)).toEqual({
        ok: false,
        error: { kind: 'UnexpectedElement', container: 'Columns', item: 'ColumnInfo', element: '{urn:y}Other' },
      })
      expect(read(envelope(inTables), capture)).toEqual({
        ok: false,
        error: {
          kind: 'UnexpectedElement',
          container: 'Tables',
          item: 'TableSchemaInfo',
          element: '{urn:z}ColumnInfo',
        },
      })
    }
  })

  it('counts depth and elements inside the captured tables against the limits, and refuses malformed XML', () => {
    const deep = `<a:TableSchemaInfo>${'<x>'.repeat(40)}${'</x>'.repeat(40)}</a:TableSchemaInfo>`
    expect(() => read(envelope(deep), true)).toThrow(XmlRejected)
    expect(() => read(envelope(`<a:TableSchemaInfo>${column('c').repeat(2001)}</a:TableSchemaInfo>`), true)).toThrow(
      /more than 10000 elements/,
    )
    expect(() => read(envelope('<a:TableSchemaInfo><a:TableName>t</a:TableSchemaInfo>'), true)).toThrow(/malformed XML/)
  })

  it('counts the tables and columns it builds against the memory allowed per byte read', () => {
    const flood = envelope(
      `<a:TableSchemaInfo><a:Columns>${'<a:ColumnInfo/>'.repeat(200_000)}</a:Columns></a:TableSchemaInfo>`,
    )
    const builder = new XmlTreeBuilder({ maxDepth: 32, maxElements: 1_000_000, maxDensity: 8 }, tableSchemaCapture())
    expect(() => {
      builder.write(flood)
      builder.close()
    }).toThrow(/more than 8 bytes of memory per byte read/)
  })

  it('reads generated Tables exactly as the element tree does, however the body is cut', () => {
    const text = fc.constantFrom('', 'x', 'nvarchar(40)', '&amp;&lt;', '&#x41;b', ' sp ', 'ü€', 'l'.repeat(700))
    const leaf = (name: string) =>
      fc.oneof(
        { weight: 5, arbitrary: text.map((t) => (t === '' ? `<a:${name}/>` : `<a:${name}>${t}</a:${name}>`)) },
        fc.constantFrom(
          `<a:${name} i:nil="true"/>`,
          `<a:${name} i:nil="false">n</a:${name}>`,
          `<a:${name}>a<![CDATA[<c>]]>d</a:${name}>`,
          `<a:${name}>a<!-- c -->b</a:${name}>`,
          `<a:${name}>t<a:${name}>inner</a:${name}></a:${name}>`,
          `<x:${name} xmlns:x="urn:x">foreign</x:${name}>`,
        ),
      )
    const field = fc.oneof(leaf('Name'), leaf('Type'), leaf('IsNullable'), leaf('DefaultValue'), leaf('Other'))
    const columnInfo = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.array(field, { maxLength: 6 }).map((f) => `<a:ColumnInfo>${f.join('')}</a:ColumnInfo>`),
      },
      fc.constantFrom('<a:ColumnInfo/>', '<x:ColumnInfo xmlns:x="urn:x"/>', '<a:Stranger/>'),
    )
    const part = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.array(columnInfo, { maxLength: 4 }).map((c) => `<a:Columns>${c.join('')}</a:Columns>`),
      },
      { weight: 3, arbitrary: leaf('TableName') },
      fc.constantFrom('<a:Columns i:nil="true"/>', '<x:Extra xmlns:x="urn:x"/>'),
    )
    const table = fc.oneof(
      {
        weight: 12,
        arbitrary: fc.array(part, { maxLength: 4 }).map((p) => `<a:TableSchemaInfo>${p.join('')}</a:TableSchemaInfo>`),
      },
      fc.constantFrom('<a:TableSchemaInfo/>', '<a:Columns/>', '<x:TableSchemaInfo xmlns:x="urn:x"/>'),
    )
    const body = fc.array(table, { maxLength: 5 }).map((t) => envelope(t.join('')))
    fc.assert(
      fc.property(body, fc.integer({ min: 1, max: 300 }), (xml, chunk) => {
        expect(read(xml, true, chunk)).toEqual(read(xml, false, xml.length))
      }),
      { numRuns: 500, seed: 20261206 },
    )
  })

  describe("tables of the Mirroring Task's own spelling, read without the scanner", () => {
    /** The capture with its reader's `content` hidden: every table read the general way. */
    const scannerOnly = () => hideContent(tableSchemaCapture())

    /** The request read, or the refusal, and how many characters the reader read itself. */
    const outcome = (xml: string, capture: SubtreeCapture, limits: XmlLimits, chunk: number) =>
      readThrough(xml, capture, limits, chunk, (request) => ({ read: readTableSchema(request) }))

    const LIMITS: XmlLimits = { maxDepth: 32, maxElements: 100_000, maxDensity: 8 }
    const wire = (name: string, columns: [string, string, string, string][]): WireTableSchema => ({
      name,
      columns: columns.map(([n, type, isNullable, defaultValue]) => ({ name: n, type, isNullable, defaultValue })),
    })
    const body = (tables: WireTableSchema[]) => writeTableSchemaRequest({ signedToken: 't', clientState: '', tables })

    it('reads most of a body the task wrote itself, with the same tables as the scanner', () => {
      const tables = Array.from({ length: 60 }, (_, i) =>
        wire(`table_${i}`, [
          ['id', 'int', 'false', ''],
          [`name_${i}`, 'nvarchar(40)', 'true', "default (N'')"],
          ['at', 'datetime', i % 2 ? 'true' : 'false', i % 3 ? '' : "default (N'1760-01-01')"],
        ]),
      )
      const xml = body(tables)
      const fast = outcome(xml, tableSchemaCapture(), LIMITS, 4096)
      const slow = outcome(xml, scannerOnly(), LIMITS, 4096)
      expect(fast.read).toEqual({ ok: true, value: expect.objectContaining({ tables }) })
      expect(fast.read).toEqual(slow.read)
      expect(slow.own).toBe(0)
      // Every table but those cut by the end of a piece.
      expect(fast.own).toBeGreaterThan(xml.length * 0.7)
    })

    const SCOPE = TASK_SCOPE
    const room = (elements = 1000, bytes = 100_000, depth = 4) => contentRoom(elements, bytes, depth)
    const tableXml = (t: WireTableSchema) => {
      const xml = body([t])
      return xml.slice(xml.indexOf('<a:TableSchemaInfo>'), xml.lastIndexOf('</Tables>'))
    }

    it('takes whole tables only, each at the cost the scanner would count', () => {
      const reader = tableSchemaCapture().reader
      reader.begin()
      const one = tableXml(wire('ab', [['id', 'int', 'false', '']]))
      const two =
        one +
        tableXml(
          wire('c', [
            ['x', 'bit', 'true', 'default ((0))'],
            ['y', 'int', 'false', ''],
          ]),
        )
      const space = room()
      expect(reader.content!(`${two}</Tables>`, 0, SCOPE, 1, space)).toBe(two.length)
      // 3 + 5 and 3 + 10 elements of 32 bytes, a table 96 and a column 96, and the texts.
      const text = 2 + 2 + 3 + 5 + 1 + 1 + 3 + 4 + 13 + 1 + 3 + 5
      expect(space).toEqual(room(1000 - 21, 100_000 - 21 * 32 - 2 * 96 - 3 * 96 - text))
      expect((reader.end() as { tables: unknown }).tables).toEqual([
        wire('ab', [['id', 'int', 'false', '']]),
        wire('c', [
          ['x', 'bit', 'true', 'default ((0))'],
          ['y', 'int', 'false', ''],
        ]),
      ])
      // Cut anywhere, a table is not taken at all.
      for (let cut = 0; cut < two.length; cut++) {
        reader.begin()
        const end = reader.content!(two.slice(0, cut), 0, SCOPE, 1, room())
        expect(end === 0 || end === one.length).toBe(true)
      }
    })

    it('leaves a table to the scanner when it would pass a limit, or is spelled otherwise', () => {
      const table = tableXml(wire('t', [['ab', 'int', 'true', '']]))
      const cost = { elements: 8, bytes: 8 * 32 + 96 + 96 + 1 + 2 + 3 + 4 }
      const cases: [string, string, ContentRoom, NamespaceScope?][] = [
        ['elements', table, room(cost.elements - 1)],
        ['bytes', table, room(1000, cost.bytes - 1)],
        ['depth', table, room(1000, 100_000, 3)],
        ['carriage return', table.replace('>ab<', '>a\rb<'), room()],
        ['reference', table.replace('>ab<', '>a&amp;b<'), room()],
        ['"]]>"', table.replace('>ab<', '>a]]>b<'), room()],
        [
          'fields in another order',
          table.replace(/(<a:IsNullable>.*<\/a:IsNullable>)(<a:Name>.*<\/a:Name>)/, '$2$1'),
          room(),
        ],
        ['no columns element', table.replace('<a:Columns>', '').replace('</a:Columns>', ''), room()],
        [
          'another prefix bound to a',
          table,
          room(),
          { prefix: 'a', uri: 'urn:other', parent: SCOPE } as unknown as NamespaceScope,
        ],
      ]
      for (const [name, text, space, scope] of cases) {
        const reader = tableSchemaCapture().reader
        reader.begin()
        expect(reader.content!(text, 0, scope ?? SCOPE, 1, space), name).toBe(0)
      }
      const reader = tableSchemaCapture().reader
      reader.begin()
      expect(reader.content!(table, 0, SCOPE, 1, room(cost.elements, cost.bytes))).toBe(table.length)
    })

    it('reads generated tables of that spelling as the scanner does, whatever the limits and cuts', () => {
      const text = fc.oneof(
        {
          weight: 6,
          arbitrary: fc.constantFrom('', 'x', 'nvarchar(40)', "default (N'')", 'ü€😀', ' sp ', 'a]b', 'a]]b'),
        },
        fc.constantFrom('a&amp;b', 'a\rb', 'a\tb\nc', 'x]]>y', '\u0001', 'l'.repeat(300)),
      )
      const leaf = (name: string) =>
        fc.oneof(
          { weight: 8, arbitrary: text.map((t) => (t === '' ? `<a:${name}/>` : `<a:${name}>${t}</a:${name}>`)) },
          fc.constantFrom(`<a:${name} i:nil="true"/>`, `<a:${name}></a:${name}>`, `<a:${name} i:nil="false"/>`),
        )
      const columnInfo = fc
        .tuple(leaf('DefaultValue'), leaf('IsNullable'), leaf('Name'), leaf('Type'))
        .map((f) => `<a:ColumnInfo>${f.join('')}</a:ColumnInfo>`)
      const table = fc
        .tuple(fc.array(columnInfo, { maxLength: 5 }), leaf('TableName'))
        .map(([c, n]) => `<a:TableSchemaInfo><a:Columns>${c.join('')}</a:Columns>${n}</a:TableSchemaInfo>`)
      const xml = fc.array(table, { maxLength: 6 }).map((t) => envelope(t.join('')))
      const limits = fc.record({
        maxDepth: fc.integer({ min: 5, max: 12 }),
        maxElements: fc.integer({ min: 10, max: 200 }),
        maxDensity: fc.constantFrom(undefined, 2, 4, 8),
      })
      fc.assert(
        fc.property(xml, limits, fc.integer({ min: 1, max: 400 }), (body, limit, chunk) => {
          const fast = outcome(body, tableSchemaCapture(), limit, chunk)
          const slow = outcome(body, scannerOnly(), limit, body.length)
          expect({ ...fast, own: 0 }).toEqual({ ...slow, own: 0 })
        }),
        { numRuns: 600, seed: 20261207 },
      )
    })
  })
})
