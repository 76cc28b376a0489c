import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { cycleLine } from '../../../src/adapters/task/progress/cycle-line.ts'
import { TerminalProgress } from '../../../src/adapters/task/progress/terminal-progress.ts'
import { TextLogger } from '../../../src/adapters/task/progress/text-logger.ts'
import type { CycleReport } from '../../../src/application/task/ports/cycle-progress.port.ts'

const at = new Date(2026, 0, 2, 12, 3, 4)
const report = (over: Partial<CycleReport>): CycleReport => ({
  outcome: 'ok',
  message: 'mirroring cycle completed: …',
  tables: 399,
  reloaded: 0,
  rows: 12,
  ms: 412,
  ...over,
})

describe('a cycle in one line', () => {
  it('says when, which tenant, how it ended, tables, rows and time, in local time', () => {
    expect(cycleLine({ contextId: 'Cust12345' }, report({}), at)).toBe(
      '12:03:04 Cust12345 cycle ok: 399 tables, 12 rows in 0.4 s',
    )
    expect(
      cycleLine({ contextId: 'Cust1', clientId: 'app1' }, report({ tables: 1, reloaded: 1, rows: 1, ms: 8040 }), at),
    ).toBe('12:03:04 Cust1 app1 cycle ok: 1 table (1 reloaded), 1 row in 8.0 s')
  })

  it('gives a failure its message on the same line, and a skip its reason', () => {
    expect(
      cycleLine(
        { contextId: 'Cust1' },
        report({ outcome: 'failed', message: 'RowData failed:\n  disk full', tables: 0, ms: 95 }),
        at,
      ),
    ).toBe('12:03:04 Cust1 cycle failed after 0.1 s: RowData failed: disk full')
    expect(
      cycleLine(
        { contextId: 'Cust1' },
        report({ outcome: 'skipped', message: 'the mirroring service asked not to replicate now' }),
        at,
      ),
    ).toBe('12:03:04 Cust1 cycle skipped: the mirroring service asked not to replicate now')
  })
})

describe('TextLogger', () => {
  it('writes warnings and errors as plain lines with the error text, and leaves information out', () => {
    const lines: string[] = []
    const logger = new TextLogger((line) => lines.push(line), 'info')
    logger.debug({ a: 1 }, 'debugging')
    logger.info({ contextId: 'Cust1' }, 'mirroring cycle completed')
    logger.warn({}, 'queue slow')
    logger.error({ contextId: 'Cust1', err: 'boom\nstack' }, 'cycle crashed')
    expect(lines).toEqual(['warning: queue slow', 'error: cycle crashed: boom'])
  })

  it('follows a level above warn, and silent', () => {
    const lines: string[] = []
    new TextLogger((line) => lines.push(line), 'error').warn({}, 'not shown')
    new TextLogger((line) => lines.push(line), 'silent').error({}, 'not shown')
    new TextLogger((line) => lines.push(line), 'error').error({}, 'shown')
    expect(lines).toEqual(['error: shown'])
  })
})

describe('TerminalProgress.log', () => {
  it('writes a line straight to a stream that is not a terminal', () => {
    const stream = new PassThrough()
    let text = ''
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString()
    })
    const progress = new TerminalProgress(stream as unknown as NodeJS.WriteStream)
    progress.tableStarted('contact', 'full', 10)
    progress.log('warning: slow')
    progress.rowsSent('contact', 10)
    progress.tableFinished('contact')
    progress.stop()
    expect(text).toBe('warning: slow\n')
  })
})
