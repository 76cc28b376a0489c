import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readRowData } from '../../../src/adapters/soap/request-readers.ts'
import { writeRowXml } from '../../../src/adapters/soap/request-writers.ts'
import { rowDataCapture, rowsScanned } from '../../../src/adapters/soap/row-data-capture.ts'
import { identifyRequest, isFault } from '../../../src/adapters/soap/soap-envelope.ts'
import {
  type ContentRoom,
  type SubtreeCapture,
  type XmlLimits,
  XmlRejected,
  XmlTreeBuilder,
} from '../../../src/adapters/xml/xml-tree.ts'
import type { TextSpan, WireRows } from '../../../src/domain/protocol/messages.ts'
import { listRows } from '../../../src/domain/protocol/wire-rows.ts'
import { contentRoom, scannerOnly as hideContent, readThrough, TASK_SCOPE } from '../../support/capture-harness.ts'
import { readSample } from '../../support/fixtures.ts'

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

  it('lets go of the request text on release, and refuses to read the rows after it', () => {
    const builder = new XmlTreeBuilder({ maxDepth: 32, maxElements: 10_000 }, rowDataCapture())
    builder.write(envelope(ROWS.plain!))
    const request = identifyRequest(builder.close(), undefined)
    if (isFault(request)) throw new Error(request.message)
    const read = readRowData(request)
    if (!read.ok) throw new Error(read.error.element)
    const rows = read.value.batches[0]!.rows as WireRows
    expect(rows.value(0, 1)).toBe('x & y')
    rows.release!()
    expect(rows.length).toBe(1)
    expect(rows.operation(0)).toBe('I')
    expect(() => rows.value(0, 0)).toThrow(/released/)
    expect(() => rows.locate!(0, 1, { text: '', start: 0, end: 0 })).toThrow(/released/)
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

  describe("rows of the Mirroring Task's own spelling, read without the scanner", () => {
    /** The capture with its reader's `content` hidden: every row read the general way. */
    const scannerOnly = () => hideContent(rowDataCapture())

    /** The rows, or the refusal, and how many characters the reader read itself. */
    const outcome = (xml: string, capture: SubtreeCapture, limits: XmlLimits, chunk: number) =>
      readThrough(xml, capture, limits, chunk, (request) => {
        const read = readRowData(request)
        return read.ok ? { rows: listRows(read.value.batches[0]!.rows) } : { error: read.error }
      })

    function body(rows: string, data = '<a:Data>'): string {
      return envelope(rows).replace('<a:Data>', data)
    }

    const LIMITS: XmlLimits = { maxDepth: 32, maxElements: 100_000, maxDensity: 4 }

    /** The rows of a body, read in pieces of 4 KB, that the scanner read tag by tag. */
    function scannedIn(xml: string, capture: SubtreeCapture): number {
      const builder = new XmlTreeBuilder(LIMITS, capture)
      for (let i = 0; i < xml.length; i += 4096) builder.write(xml.slice(i, i + 4096))
      return rowsScanned(builder.close())
    }
    const wireRow = (values: (string | null)[], operation = 'I') => writeRowXml({ operation, values })

    it('reads most of a plain body itself, with the same rows as the scanner', () => {
      const rows = Array.from({ length: 200 }, (_, i) =>
        wireRow([`[I:${i}]`, i % 3 ? `name ${i} ü` : null, '', '[DT:01/02/2024 03:04:05.0000000]'], 'IUD'[i % 3]),
      ).join('')
      const xml = body(rows)
      const fast = outcome(xml, rowDataCapture(), LIMITS, 4096)
      const slow = outcome(xml, scannerOnly(), LIMITS, 4096)
      expect(fast.rows).toHaveLength(200)
      expect(fast.rows).toEqual(slow.rows)
      expect(slow.own).toBe(0)
      expect(scannedIn(xml, scannerOnly())).toBe(200)
      // Only the rows cut by the ends of the pieces were left to the scanner.
      const scanned = scannedIn(xml, rowDataCapture())
      expect(scanned).toBeGreaterThan(0)
      expect(scanned).toBeLessThan(Math.ceil(xml.length / 4096) + 1)
      // Every row but those cut by the end of a piece.
      expect(fast.own).toBeGreaterThan(rows.length * 0.8)
      expect(fast.rows![1]).toEqual({
        operation: 'U',
        values: ['[I:1]', 'name 1 ü', '', '[DT:01/02/2024 03:04:05.0000000]'],
      })
      expect(fast.rows![3]!.values[1]).toBeNull()
    })

    const SCOPE = TASK_SCOPE
    const room = (elements = 1000, bytes = 100_000, depth = 3) => contentRoom(elements, bytes, depth)

    it('takes whole rows only, and each at the cost the scanner would count', () => {
      const reader = rowDataCapture().reader
      reader.begin()
      const two = wireRow(['[I:1]', null, '', 'abc']) + wireRow(['x'], 'D')
      const space = room()
      expect(reader.content!(`${two}</a:Data>`, 0, SCOPE, 1, space)).toBe(two.length)
      // 4 values + 3, and 1 value + 3 elements; 32 bytes each, the texts, and the two operations.
      expect(space).toEqual(room(1000 - 11, 100_000 - 11 * 32 - (5 + 3 + 1) - 2))
      const rows = reader.end() as WireRows
      expect(listRows(rows)).toEqual([
        { operation: 'I', values: ['[I:1]', null, '', 'abc'] },
        { operation: 'D', values: ['x'] },
      ])
      // Cut anywhere, a row is not taken at all.
      for (let cut = 0; cut < two.length; cut++) {
        reader.begin()
        const end = reader.content!(two.slice(0, cut), 0, SCOPE, 1, room())
        expect(end === 0 || end === wireRow(['[I:1]', null, '', 'abc']).length).toBe(true)
      }
    })

    it('leaves a row to the scanner when it would pass a limit, or is spelled otherwise', () => {
      const row = wireRow(['ab', null])
      const cost = { elements: 5, bytes: 5 * 32 + 2 + 1 }
      const cases: [string, string, ContentRoom][] = [
        ['elements', row, room(cost.elements - 1)],
        ['bytes', row, room(1000, cost.bytes - 1)],
        ['depth', row, room(1000, 100_000, 2)],
        ['carriage return', row.replace('ab', 'a\rb'), room()],
        ['reference', row.replace('ab', 'a&amp;b'), room()],
        ['operation', wireRow(['ab'], 'X'), room()],
      ]
      for (const [name, text, space] of cases) {
        const reader = rowDataCapture().reader
        reader.begin()
        const before = { ...space }
        expect(reader.content!(text, 0, SCOPE, 1, space), name).toBe(0)
        expect(space, name).toEqual(before)
        expect((reader.end() as WireRows).length, name).toBe(0)
      }
      const reader = rowDataCapture().reader
      reader.begin()
      expect(reader.content!(row, 0, SCOPE, 1, room(cost.elements, cost.bytes))).toBe(row.length)
    })

    it('keeps every value where the tape grows, nil and empty ones too', () => {
      // 3 values a row: the tape's room (1,024 values, then doubled) runs out inside rows, on a nil or an empty value.
      for (const shape of [
        [null, '', null],
        ['', null, 'x'],
      ]) {
        const xml = body(Array.from({ length: 1400 }, () => wireRow(shape)).join(''))
        const fast = outcome(xml, rowDataCapture(), { ...LIMITS, maxElements: 1e6 }, 65536)
        expect(fast.own).toBeGreaterThan(0)
        expect(fast.rows).toEqual(Array.from({ length: 1400 }, () => ({ operation: 'I', values: shape })))
      }
    })

    it("reads SuperOffice's captured RowData call, as it is sent (compact), itself", () => {
      // The published sample is pretty-printed; the real call has no whitespace between tags (protocol.md).
      const compact = readSample('SampleRowDataRequest.xml')
        .replace(/>\s+</g, '><')
        .replace(/\s+xmlns:/g, ' xmlns:')
      const fast = outcome(compact, rowDataCapture(), LIMITS, 4096)
      expect(fast.own).toBeGreaterThan(0)
      expect(fast.rows).toHaveLength(2)
      expect(fast.rows![0]!.values.slice(0, 3)).toEqual([
        '[I:1]',
        '040000008200E00074C5B7101A82E00800000000DD1E2178E92CD6010000000000000000100000005315E9D8BC5F824BA6502093D637FCB2',
        '[I:0]',
      ])
      expect(fast).toEqual({ ...outcome(compact, scannerOnly(), LIMITS, 4096), own: fast.own })
    })

    it('leaves rows to the scanner where a or i mean other namespaces', () => {
      const rows = wireRow(['1', null]) + wireRow(['2'])
      for (const data of ['<a:Data xmlns:a="urn:other">', '<a:Data xmlns:i="urn:other">']) {
        const xml = body(rows, data).replace('</a:Data>', '</a:Data>')
        const fast = outcome(xml, rowDataCapture(), LIMITS, 4096)
        expect(fast).toEqual(outcome(xml, scannerOnly(), LIMITS, 4096))
        expect(fast.own).toBe(0)
      }
    })

    it('gives what the scanner gives for any values, operations, limits and cuts', () => {
      const text = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 12 }),
        fc.string({ unit: 'grapheme', maxLength: 12 }),
        fc.constantFrom('', '[I:7]', ']]>', 'a]]b', '\uD800', 'x\ty\nz', 'a\rb', '&', '<'),
      )
      const canonical = fc
        .tuple(
          fc.array(fc.option(text, { nil: null }), { maxLength: 6 }),
          fc.constantFrom('I', 'U', 'D', 'X', '', ' I'),
        )
        .map(([values, operation]) => wireRow(values, operation))
      const other = fc.constantFrom(
        `<a:RowData><a:ColumnValues xmlns:b="${B}"><b:string>1</b:string></a:ColumnValues></a:RowData>`,
        `<a:RowData> <a:ColumnValues xmlns:b="${B}"><b:string>1</b:string></a:ColumnValues><a:Operation>I</a:Operation></a:RowData>`,
        `<a:RowData><a:ColumnValues xmlns:b="${B}"><b:string >1</b:string></a:ColumnValues><a:Operation>I</a:Operation></a:RowData>`,
        `<a:RowData><a:ColumnValues xmlns:b="${B}"><b:string>1</b:strin></a:ColumnValues><a:Operation>I</a:Operation></a:RowData>`,
        `<a:RowData><a:ColumnValues xmlns:b="urn:b"><b:string>1</b:string></a:ColumnValues><a:Operation>I</a:Operation></a:RowData>`,
        `<a:RowData><a:ColumnValues xmlns:b="${B}"><b:string i:nil="true" /></a:ColumnValues><a:Operation>U</a:Operation></a:RowData>`,
        '<y:Other xmlns:y="urn:y"/>',
        '\n  ',
      )
      // Values written in as they are, unescaped: references, `\r`, characters XML forbids.
      const raw = fc
        .array(fc.oneof(text, fc.constantFrom('a\rb', '&amp;', '&#x41;', '\u0001', ']]>', '\uFFFE')), { maxLength: 3 })
        .map((values) => wireRow(values.map((v) => `@${values.indexOf(v)}`)).replace(/@(\d)/g, (_, i) => values[i]!))
      const rows = fc.array(fc.oneof({ weight: 5, arbitrary: canonical }, raw, other), { minLength: 1, maxLength: 8 })
      const limits = fc.record({
        maxDepth: fc.integer({ min: 5, max: 9 }),
        maxElements: fc.integer({ min: 10, max: 120 }),
        maxDensity: fc.constantFrom(undefined, 0.05, 0.2, 4),
      })
      fc.assert(
        fc.property(rows, limits, fc.integer({ min: 1, max: 400 }), (list, lim, chunk) => {
          const xml = body(list.join(''))
          const fast = outcome(xml, rowDataCapture(), lim, chunk)
          const slow = outcome(xml, scannerOnly(), lim, chunk)
          expect({ ...fast, own: 0 }).toEqual(slow)
        }),
        { numRuns: 1500, seed: 20261206 },
      )
    })
  })
})
