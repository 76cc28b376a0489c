import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readRowData } from '../../../src/adapters/soap/request-readers.ts'
import { rowDataCapture } from '../../../src/adapters/soap/row-data-capture.ts'
import { identifyRequest, isFault } from '../../../src/adapters/soap/soap-envelope.ts'
import { XmlRejected, XmlTreeBuilder } from '../../../src/adapters/xml/xml-tree.ts'
import type { TextSpan, WireRows } from '../../../src/domain/protocol/messages.ts'
import { listRows } from '../../../src/domain/protocol/wire-rows.ts'

const A = 'http://schemas.datacontract.org/2004/07/SuperOffice.Online.Mirroring.Contract.V1'
const B = 'http://schemas.microsoft.com/2003/10/Serialization/Arrays'
const I = 'http://www.w3.org/2001/XMLSchema-instance'

function envelope(rows: string): string {
  return `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<RowDataRequest xmlns="http://www.superoffice.com/online/mirroring/0.1"><ClientState/>
<DataBatches xmlns:a="${A}" xmlns:i="${I}"><a:RowDataBatch><a:Data>${rows}</a:Data><a:LSN>7</a:LSN>
<a:TableInfo><a:Columns/><a:TableName>t</a:TableName></a:TableInfo></a:RowDataBatch></DataBatches>
</RowDataRequest></s:Body></s:Envelope>`
}

function read(xml: string, capture: boolean, chunk = 7) {
  const builder = new XmlTreeBuilder({ maxDepth: 32, maxElements: 10_000 }, capture ? rowDataCapture() : undefined)
  for (let i = 0; i < xml.length; i += chunk) builder.write(xml.slice(i, i + chunk))
  const request = identifyRequest(builder.close(), undefined)
  if (isFault(request)) throw new Error(request.message)
  const read = readRowData(request)
  if (!read.ok) throw new Error(read.error.element)
  const rows = read.value.batches[0]!.rows
  if (capture) expectLocated(rows as WireRows)
  return listRows(rows)
}

/** Every value where `locate` says it lies is the value `value` gives; nil is false. */
function expectLocated(rows: WireRows) {
  expect(rows.locate).toBeDefined()
  const span: TextSpan = { text: 'stale', start: 1, end: 3 }
  for (let r = 0; r < rows.length; r++) {
    for (let c = 0; c < rows.width(r); c++) {
      const value = rows.value(r, c)
      expect(rows.locate!(r, c, span)).toBe(value !== null)
      if (value !== null) expect(span.text.slice(span.start, span.end)).toBe(value)
    }
  }
}

const ROWS: Record<string, string> = {
  plain: `<a:RowData><a:ColumnValues xmlns:b="${B}"><b:string>[I:1]</b:string><b:string>x &amp; y</b:string></a:ColumnValues><a:Operation>I</a:Operation></a:RowData>`,
  'nil and empty': `<a:RowData><a:ColumnValues xmlns:b="${B}"><b:string i:nil="true"/><b:string/><b:string>  </b:string></a:ColumnValues><a:Operation> U </a:Operation></a:RowData>`,
  'operation first, CDATA and split text': `<a:RowData><a:Operation>D</a:Operation><a:ColumnValues xmlns:b="${B}"><b:string>a<![CDATA[<b>]]>c</b:string></a:ColumnValues></a:RowData>`,
  'unknown elements and namespaces ignored': `<a:RowData><x:Extra xmlns:x="urn:x"><b:string xmlns:b="${B}">no</b:string></x:Extra><a:ColumnValues xmlns:b="${B}"><b:other>no</b:other><c:string xmlns:c="urn:c">no</c:string><b:string>yes</b:string></a:ColumnValues><a:Operation>I</a:Operation></a:RowData>`,
  'a value with child elements has no text': `<a:RowData><a:ColumnValues xmlns:b="${B}"><b:string>t<b:string>inner</b:string>u</b:string><b:string>z</b:string></a:ColumnValues><a:Operation>I<a:x/></a:Operation></a:RowData>`,
  'only the first ColumnValues and Operation count': `<a:RowData><a:ColumnValues xmlns:b="${B}"><b:string>1</b:string></a:ColumnValues><a:ColumnValues xmlns:b="${B}"><b:string>2</b:string></a:ColumnValues><a:Operation>I</a:Operation><a:Operation>D</a:Operation></a:RowData>`,
  'no ColumnValues, nil operation': `<a:RowData><a:Operation i:nil="true">I</a:Operation></a:RowData>`,
  'empty row': '<a:RowData/>',
  'values and operations of every shape': `<a:RowData><a:ColumnValues xmlns:b="${B}"><b:string>${'long text '.repeat(300)}</b:string><b:string>[DT:12/31/2020 23:59:59.1234567]</b:string><b:string>&#x41;&lt;</b:string></a:ColumnValues><a:Operation> X&#x41; </a:Operation></a:RowData><a:RowData><a:Operation i:nil="true"/><a:Operation>I</a:Operation></a:RowData><a:RowData><a:Operation/></a:RowData>`,
}

describe('RowData captured while streaming', () => {
  it('refuses a Data holding anything but RowData elements, naming the first, as the tree does', () => {
    const strangers = `${ROWS.plain}<y:Other xmlns:y="urn:y"><a:ColumnValues xmlns:b="${B}"><b:string>1</b:string></a:ColumnValues></y:Other><x:RowData xmlns:x="urn:x"/>`
    for (const capture of [true, false])
      expect(() => read(envelope(strangers), capture)).toThrow(new Error('{urn:y}Other'))
  })

  for (const [name, row] of Object.entries(ROWS)) {
    it(`reads like the element tree: ${name}`, () => {
      const xml = envelope(row + row)
      for (const chunk of [1, 7, 4096]) expect(read(xml, true, chunk)).toEqual(read(xml, false))
    })
  }

  it('gives the values it read', () => {
    expect(read(envelope(ROWS['nil and empty']!), true)).toEqual([{ operation: 'U', values: [null, '', '  '] }])
    expect(read(envelope(ROWS['operation first, CDATA and split text']!), true)).toEqual([
      { operation: 'D', values: ['a<b>c'] },
    ])
  })

  it('counts depth and elements inside captured rows against the limits', () => {
    const deep = `<a:RowData><a:ColumnValues>${'<x>'.repeat(40)}${'</x>'.repeat(40)}</a:ColumnValues></a:RowData>`
    expect(() => read(envelope(deep), true)).toThrow(XmlRejected)
    const many = `<a:RowData><a:ColumnValues xmlns:b="${B}">${'<b:string>1</b:string>'.repeat(10_001)}</a:ColumnValues></a:RowData>`
    expect(() => read(envelope(many), true)).toThrow(/more than 10000 elements/)
  })

  it('still refuses malformed XML inside a captured row, with the parser’s reason', () => {
    expect(() => read(envelope('<a:RowData><a:Operation>I</a:RowData>'), true)).toThrow(/malformed XML/)
    expect(() => read(envelope('<a:RowData><q:x/></a:RowData>'), true)).toThrow(/malformed XML: .*prefix/)
  })

  it('reads generated rows exactly as the element tree does, however the body is cut', () => {
    // Values of every shape the capture treats apart: plain, empty, nil, references, CDATA,
    // comments and child elements inside, long text that spans pieces; rows with their parts
    // in any order, repeated, missing or foreign; the body cut at arbitrary points.
    const text = fc.constantFrom('', 'x', 'plain text', '&amp;&lt;', '&#x41;b', ' sp ', 'ü€', 'l'.repeat(1500))
    const value = fc.oneof(
      { weight: 6, arbitrary: text.map((t) => (t === '' ? '<b:string/>' : `<b:string>${t}</b:string>`)) },
      fc.constantFrom(
        '<b:string i:nil="true"/>',
        '<b:string i:nil="false">n</b:string>',
        '<b:string>a<![CDATA[<c>]]>d</b:string>',
        '<b:string>a<!-- c -->b</b:string>',
        '<b:string>t<b:string>inner</b:string></b:string>',
        '<b:other>o</b:other>',
        `<c:string xmlns:c="${B}">same namespace, other prefix</c:string>`,
        '<b:string></b:string>',
      ),
    )
    const part = fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .array(value, { maxLength: 5 })
          .map((v) => `<a:ColumnValues xmlns:b="${B}">${v.join('')}</a:ColumnValues>`),
      },
      {
        weight: 3,
        arbitrary: fc.constantFrom('I', 'U', 'D', ' U ', 'X', '').map((o) => `<a:Operation>${o}</a:Operation>`),
      },
      fc.constantFrom(
        '<a:Operation i:nil="true"/>',
        '<a:Operation>I<a:x/></a:Operation>',
        '<x:Extra xmlns:x="urn:x"/>',
      ),
    )
    const row = fc.array(part, { maxLength: 4 }).map((parts) => `<a:RowData>${parts.join('')}</a:RowData>`)
    const body = fc.array(row, { minLength: 1, maxLength: 6 }).map((rows) => envelope(rows.join('')))
    fc.assert(
      fc.property(body, fc.integer({ min: 1, max: 300 }), (xml, chunk) => {
        expect(read(xml, true, chunk)).toEqual(read(xml, false, xml.length))
      }),
      { numRuns: 400, seed: 20261205 },
    )
  })
})
