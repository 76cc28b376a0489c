import { everyTypeValues, type SourceDriver } from '../../support/e2e-sources.ts'

/** Tables and their live keys, so that updates and deletes hit rows that exist. */
interface Keys {
  next: number
  readonly live: number[]
}

/**
 * A seeded stream of source activity for the chaos suites: a first load of a few thousand rows
 * over tables like SuperOffice's, then rounds of inserts, updates and deletes, an added column
 * every few rounds (an ALTER in the mirror) and a retyped table now and then (drop, recreate,
 * Wipe and full reload).
 */
export class Workload {
  readonly #source: SourceDriver
  readonly #random: () => number
  readonly #keys = new Map<string, Keys>()
  #noteIsText = true
  #addedColumns = 0

  private constructor(source: SourceDriver, random: () => number) {
    this.#source = source
    this.#random = random
  }

  static async create(source: SourceDriver, random: () => number, scale = 1): Promise<Workload> {
    const w = new Workload(source, random)
    const sql = (text: string) => source.exec(text)
    await sql(
      'create table contact (contact_id int primary key, name nvarchar(80), department nvarchar(60), ' +
        'registered datetime, number1 int, note nvarchar(200))',
    )
    await sql(
      'create table person (person_id int primary key, contact_id int, firstname nvarchar(40), ' +
        'lastname nvarchar(40), born datetime, rank smallint)',
    )
    await sql('create table note (note_id int primary key, body nvarchar(200))')
    await sql(source.everyTypeDdl)
    for (const [table, count] of [
      ['contact', 1_200 * scale],
      ['person', 1_500 * scale],
      ['note', 100 * scale],
      ['every_type', 10],
    ] as const) {
      w.#keys.set(table, { next: 1, live: [] })
      await source.exec('begin')
      for (let i = 0; i < count; i++) await w.#insert(table)
      await source.exec('commit')
    }
    return w
  }

  /** What round `round` changes in the source; returns what kind of round it was. */
  async step(round: number): Promise<'rows' | 'added column' | 'retyped table'> {
    let kind: 'rows' | 'added column' | 'retyped table' = 'rows'
    if (round % 5 === 4) {
      await this.#retypeNote()
      kind = 'retyped table'
    } else if (round % 4 === 2) {
      this.#addedColumns++
      await this.#source.exec(`alter table contact add column extra_${this.#addedColumns} nvarchar(30)`)
      await this.#source.exec(
        `update contact set extra_${this.#addedColumns} = 'x' || contact_id where contact_id % 3 = 0`,
      )
      kind = 'added column'
    }
    for (const table of ['contact', 'person', 'note', 'every_type']) {
      const keys = this.#keys.get(table)!
      const inserts = this.#int(table === 'every_type' ? 2 : 40)
      const updates = this.#int(table === 'every_type' ? 3 : 60)
      const deletes = this.#int(table === 'every_type' ? 1 : 15)
      for (let i = 0; i < inserts; i++) await this.#insert(table)
      for (let i = 0; i < updates && keys.live.length > 0; i++) await this.#update(table, this.#pick(keys.live))
      for (let i = 0; i < deletes && keys.live.length > 1; i++) {
        const at = this.#int(keys.live.length)
        const [id] = keys.live.splice(at, 1)
        await this.#source.exec(`delete from ${table} where ${idColumn(table)} = ?`, [id!])
      }
    }
    return kind
  }

  async #insert(table: string): Promise<void> {
    const keys = this.#keys.get(table)!
    const id = keys.next++
    keys.live.push(id)
    const s = this.#source
    if (table === 'contact') {
      await s.exec(
        'insert into contact (contact_id, name, department, registered, number1, note) values (?, ?, ?, ?, ?, ?)',
        [
          id,
          `Contact ${id} ${this.#word()}`,
          this.#random() < 0.2 ? null : `Dept ${this.#int(50)}`,
          this.#date(),
          this.#int(1_000_000),
          this.#random() < 0.5 ? null : `Ünïcödé note ✓ ${this.#word()} <&> "${id}"`,
        ],
      )
    } else if (table === 'person') {
      await s.exec('insert into person values (?, ?, ?, ?, ?, ?)', [
        id,
        this.#int(1_200) + 1,
        this.#word(),
        this.#word(),
        this.#random() < 0.3 ? null : this.#date(),
        this.#int(30_000),
      ])
    } else if (table === 'note') {
      await s.exec('insert into note values (?, ?)', [id, this.#noteBody(id)])
    } else {
      const values = everyTypeValues(id, s.bool)
      await s.exec(`insert into every_type values (${values.map(() => '?').join(', ')})`, values)
    }
  }

  async #update(table: string, id: number): Promise<void> {
    const s = this.#source
    if (table === 'contact') {
      await s.exec('update contact set name = ?, number1 = ?, registered = ? where contact_id = ?', [
        `Renamed ${this.#word()}`,
        this.#int(1_000_000),
        this.#date(),
        id,
      ])
    } else if (table === 'person') {
      await s.exec('update person set lastname = ?, born = ? where person_id = ?', [
        this.#word(),
        this.#random() < 0.3 ? null : this.#date(),
        id,
      ])
    } else if (table === 'note') {
      await s.exec('update note set body = ? where note_id = ?', [this.#noteBody(id + this.#int(1000)), id])
    } else {
      await s.exec('update every_type set c_nvarchar = ? where id = ?', [`changed ${this.#word()}`, id])
    }
  }

  /** SQLite changes a column type by rebuilding the table: the mirror must recreate and reload it. */
  async #retypeNote(): Promise<void> {
    this.#noteIsText = !this.#noteIsText
    const type = this.#noteIsText ? 'nvarchar(200)' : 'int'
    const s = this.#source
    await s.exec(`create table note_new (note_id int primary key, body ${type})`)
    await s.exec(
      `insert into note_new select note_id, ${this.#noteIsText ? "'body ' || note_id" : 'note_id * 7'} from note`,
    )
    await s.exec('drop table note')
    await s.exec('alter table note_new rename to note')
  }

  #noteBody(id: number): string | number {
    return this.#noteIsText ? `body ${id} ${this.#word()}` : id * 7
  }

  #int(below: number): number {
    return Math.floor(this.#random() * below)
  }

  #pick<T>(items: readonly T[]): T {
    return items[this.#int(items.length)]!
  }

  #word(): string {
    const syllables = ['ka', 'lo', 'mi', 'ne', 'ro', 'su', 'ta', 'vi', 'zo', 'æ', 'ø', 'å']
    return Array.from({ length: 2 + this.#int(4) }, () => this.#pick(syllables)).join('')
  }

  #date(): string {
    const day = new Date(Date.UTC(2000, 0, 1) + this.#int(9_000) * 86_400_000 + this.#int(86_400) * 1000)
    return `${day.toISOString().slice(0, 19).replace('T', ' ')}.${String(this.#int(1000)).padStart(3, '0')}`
  }
}

function idColumn(table: string): string {
  return table === 'every_type' ? 'id' : `${table}_id`
}
