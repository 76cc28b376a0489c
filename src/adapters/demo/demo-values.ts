import { randomUUID } from 'node:crypto'
import type { ColumnType } from '../../domain/schema/column-type.ts'

/** A small seeded generator (mulberry32): the same `--seed` gives the same demo tenant. */
export class Random {
  #state: number

  constructor(seed: number) {
    this.#state = seed >>> 0
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!
  }

  chance(p: number): boolean {
    return this.next() < p
  }
}

const FIRST = [
  'Anna',
  'Bjørn',
  'Chloé',
  'David',
  'Eva',
  'Frank',
  'Grete',
  'Hans',
  'Ingrid',
  'Jonas',
  'Kari',
  'Lars',
  'Maria',
  'Nils',
  'Olivia',
  'Per',
  'Rita',
  'Sven',
  'Tove',
  'Ulrik',
]
const LAST = [
  'Andersen',
  'Berg',
  'Dahl',
  'Eriksen',
  'Hansen',
  'Johansen',
  'Karlsen',
  'Larsen',
  'Müller',
  'Nilsen',
  'Olsen',
  'Pedersen',
  'Schmidt',
  'Svendsen',
  'Wagner',
]
const COMPANY = ['Nordlys', 'Fjord', 'Polar', 'Vinter', 'Skog', 'Havbris', 'Melchers', 'Aurora', 'Granitt', 'Bølge']
const SUFFIX = ['AS', 'GmbH', 'AB', 'Ltd', 'ASA', 'KG']
const CITY = ['Oslo', 'Bergen', 'Hamburg', 'Stockholm', 'København', 'Trondheim', 'Bremen', 'Göteborg']
const WORDS = [
  'meeting',
  'offer',
  'follow-up',
  'contract',
  'renewal',
  'demo',
  'lunch',
  'project',
  'review',
  'invoice',
  'quarterly',
  'kick-off',
  'planning',
  'support',
]

const START = Date.UTC(2019, 0, 1)
const SPAN = Date.UTC(2026, 0, 1) - START

/** Sizes of the core CRM tables for a given number of contacts; the other tables stay empty. */
export function coreSizes(contacts: number): Record<string, number> {
  return {
    associate: 25,
    contact: contacts,
    person: Math.round(contacts * 2.5),
    appointment: Math.round(contacts * 2.5),
    sale: Math.round(contacts * 0.5),
    project: Math.max(5, Math.round(contacts * 0.1)),
    projectmember: Math.round(contacts * 0.25),
    document: Math.round(contacts * 0.5),
    selection: 20,
    selectionmember: contacts,
    phone: contacts,
    email: Math.round(contacts * 1.5),
  }
}

/**
 * A plausible value for a column of a core table, by its name and SQL Server type, as the text
 * or number SQLite stores. Keys point at rows that exist; names, places and dates look real.
 */
export function demoValue(
  random: Random,
  table: string,
  column: string,
  type: ColumnType,
  nullable: boolean,
  sizes: Record<string, number>,
): string | number | null {
  if (nullable && random.chance(0.08)) return null
  const ref = /^(\w+?)_id$/.exec(column)?.[1]
  if (ref && sizes[ref]) return random.int(1, sizes[ref]!)
  switch (type.kind) {
    case 'integer':
      if (column.endsWith('_idx')) return random.int(1, 12)
      if (column.endsWith('_id')) return random.int(0, 20)
      return type.size === 'tinyint' ? random.int(0, 1) : random.int(0, type.size === 'smallint' ? 5 : 1000)
    case 'bit':
      return random.int(0, 1)
    case 'float':
      return Math.round(random.next() * 1_000_000) / 100
    case 'decimal':
    case 'money':
      return (random.next() * 10_000).toFixed(2)
    case 'datetime':
    case 'datetime2':
    case 'datetimeoffset':
    case 'date': {
      const iso = new Date(START + Math.floor(random.next() * SPAN)).toISOString()
      return type.kind === 'date' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
    }
    case 'time':
      return `${String(random.int(7, 18)).padStart(2, '0')}:${random.pick(['00', '15', '30', '45'])}:00`
    case 'uniqueidentifier':
      return randomUUID().toUpperCase()
    case 'binary':
    case 'image':
      return null
    default:
      return text(random, table, column, type.kind === 'string' && type.length !== 'max' ? type.length : 400)
  }
}

function text(random: Random, table: string, column: string, max: number): string {
  let value: string
  if (column === 'firstname') value = random.pick(FIRST)
  else if (column === 'lastname') value = random.pick(LAST)
  else if (column === 'name' && table === 'contact') value = `${random.pick(COMPANY)} ${random.pick(SUFFIX)}`
  else if (column === 'name' && table === 'associate') value = `${random.pick(FIRST)} ${random.pick(LAST)}`
  else if (/city/.test(column)) value = random.pick(CITY)
  else if (/email|address/.test(column) && table === 'email')
    value = `${random.pick(FIRST).toLowerCase()}.${random.pick(LAST).toLowerCase()}@example.com`
  else if (/phone/.test(column) || table === 'phone') value = `+47 ${random.int(20000000, 99999999)}`
  else if (/number/.test(column)) value = String(random.int(10000, 99999))
  else value = `${random.pick(WORDS)} ${random.pick(WORDS)} ${random.int(1, 999)}`
  return value.slice(0, Math.max(1, max))
}
