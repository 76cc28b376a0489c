import { clip } from '../shared/clip.ts'
import { err, ok, type Result } from '../shared/result.ts'
import type { ColumnType, IntegerSize, Length } from './column-type.ts'

/**
 * Parses a SQL Server type string as the protocol sends it (`nvarchar(255)`, `decimal(18,2)`,
 * `datetime2(7)`...). Case and blanks are free; defaults apply where SQL Server has them
 * (`nvarchar` = `nvarchar(1)`, `decimal` = `decimal(18,0)`, `datetime2` = `datetime2(7)`).
 * `formatSqlServerType(parse(s))` gives back the canonical spelling, which equals `s` for
 * every string SQL Server's own catalog produces.
 */
export function parseSqlServerType(text: string): Result<ColumnType, string> {
  const match = /^\s*\[?([a-z][a-z0-9_]*)\]?\s*(?:\(\s*([^)]*?)\s*\))?\s*$/i.exec(text)
  if (!match) return err(`'${clip(text)}' is not a SQL Server type`)
  const name = match[1]!.toLowerCase()
  const args = match[2] === undefined ? [] : match[2].split(',').map((a) => a.trim().toLowerCase())
  const parser = PARSERS[name]
  if (!parser) return err(`unsupported SQL Server type '${clip(text)}'`)
  return parser(args, text)
}

export function formatSqlServerType(type: ColumnType): string {
  switch (type.kind) {
    case 'integer':
      return type.size
    case 'bit':
    case 'date':
    case 'image':
    case 'uniqueidentifier':
    case 'xml':
      return type.kind
    case 'float':
      return type.size
    case 'decimal':
      return `${type.name}(${type.precision},${type.scale})`
    case 'money':
      return type.size
    case 'datetime':
      return type.variant
    case 'datetime2':
    case 'datetimeoffset':
    case 'time':
      return `${type.kind}(${type.precision})`
    case 'string':
      return `${type.unicode ? 'n' : ''}${type.fixed ? 'char' : 'varchar'}(${type.length})`
    case 'text':
      return type.unicode ? 'ntext' : 'text'
    case 'binary':
      return `${type.fixed ? 'binary' : 'varbinary'}(${type.length})`
  }
}

type Parser = (args: readonly string[], text: string) => Result<ColumnType, string>

const none =
  (type: ColumnType): Parser =>
  (args, text) =>
    args.length === 0 ? ok(type) : err(`'${clip(text)}' takes no arguments`)

const integer = (size: IntegerSize): Parser => none({ kind: 'integer', size })

const fractional =
  (kind: 'datetime2' | 'datetimeoffset' | 'time'): Parser =>
  (args, text) => {
    if (args.length === 0) return ok({ kind, precision: 7 })
    const precision = args.length === 1 ? toInt(args[0]!) : undefined
    if (precision === undefined || precision > 7) return err(`'${clip(text)}': precision must be 0 to 7`)
    return ok({ kind, precision })
  }

const characters =
  (unicode: boolean, fixed: boolean): Parser =>
  (args, text) => {
    const length = parseLength(args, text, unicode ? 4000 : 8000, !fixed)
    return length.ok ? ok({ kind: 'string', unicode, fixed, length: length.value }) : length
  }

const bytes =
  (fixed: boolean): Parser =>
  (args, text) => {
    const length = parseLength(args, text, 8000, !fixed)
    return length.ok ? ok({ kind: 'binary', fixed, length: length.value }) : length
  }

const exact =
  (name: 'decimal' | 'numeric'): Parser =>
  (args, text) => {
    if (args.length > 2) return err(`'${clip(text)}' takes at most precision and scale`)
    const precision = args.length > 0 ? toInt(args[0]!) : 18
    const scale = args.length > 1 ? toInt(args[1]!) : 0
    if (precision === undefined || precision < 1 || precision > 38)
      return err(`'${clip(text)}': precision must be 1 to 38`)
    if (scale === undefined || scale > precision) return err(`'${clip(text)}': scale must be 0 to the precision`)
    return ok({ kind: 'decimal', name, precision, scale })
  }

const approximate: Parser = (args, text) => {
  if (args.length === 0) return ok({ kind: 'float', size: 'float' })
  const mantissa = args.length === 1 ? toInt(args[0]!) : undefined
  if (mantissa === undefined || mantissa < 1 || mantissa > 53)
    return err(`'${clip(text)}': float(n) needs n from 1 to 53`)
  return ok({ kind: 'float', size: mantissa <= 24 ? 'real' : 'float' })
}

const PARSERS: Readonly<Record<string, Parser>> = {
  tinyint: integer('tinyint'),
  smallint: integer('smallint'),
  int: integer('int'),
  bigint: integer('bigint'),
  bit: none({ kind: 'bit' }),
  real: none({ kind: 'float', size: 'real' }),
  float: approximate,
  decimal: exact('decimal'),
  numeric: exact('numeric'),
  money: none({ kind: 'money', size: 'money' }),
  smallmoney: none({ kind: 'money', size: 'smallmoney' }),
  datetime: none({ kind: 'datetime', variant: 'datetime' }),
  smalldatetime: none({ kind: 'datetime', variant: 'smalldatetime' }),
  datetime2: fractional('datetime2'),
  datetimeoffset: fractional('datetimeoffset'),
  time: fractional('time'),
  date: none({ kind: 'date' }),
  char: characters(false, true),
  varchar: characters(false, false),
  nchar: characters(true, true),
  nvarchar: characters(true, false),
  text: none({ kind: 'text', unicode: false }),
  ntext: none({ kind: 'text', unicode: true }),
  binary: bytes(true),
  varbinary: bytes(false),
  image: none({ kind: 'image' }),
  uniqueidentifier: none({ kind: 'uniqueidentifier' }),
  xml: none({ kind: 'xml' }),
}

function parseLength(
  args: readonly string[],
  text: string,
  limit: number,
  maxAllowed: boolean,
): Result<Length, string> {
  if (args.length === 0) return ok(1)
  if (args.length > 1) return err(`'${clip(text)}' takes one length`)
  if (args[0] === 'max') return maxAllowed ? ok('max') : err(`'${clip(text)}': max is not allowed here`)
  const n = toInt(args[0]!)
  if (n === undefined || n < 1 || n > limit) return err(`'${clip(text)}': length must be 1 to ${limit}`)
  return ok(n)
}

function toInt(text: string): number | undefined {
  return /^\d{1,4}$/.test(text) ? Number(text) : undefined
}
