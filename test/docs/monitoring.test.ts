import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batch, completedCall, peopleTable, rowDataCall, tableSchemaCall, wipeCall } from '../support/envelopes.ts'
import { post } from '../support/http.ts'
import { type TestService, testService } from '../support/test-service.ts'

/*
 * docs/monitoring: the Grafana dashboard and the Prometheus alert rules may only use metrics
 * and labels the service exports. A real service answers a few calls, its /metrics is read, and
 * every name in every expression of both files is looked up there.
 */

const doc = (file: string) => readFileSync(new URL(`../../docs/monitoring/${file}`, import.meta.url), 'utf8')

/** Series Prometheus or its exporters make, not the service; each with why it is used. */
const NOT_FROM_THE_SERVICE: Record<string, string> = {
  up: "Prometheus's own series per target: a replica down",
}
/** Labels Prometheus adds to every series it scrapes. */
const TARGET_LABELS = ['job', 'instance']

// --- a YAML reader for what alerts.yaml uses: mappings, sequences, plain and quoted scalars

type Yaml = string | Yaml[] | { [key: string]: Yaml }
const indentOf = (line: string) => line.length - line.trimStart().length

function readYaml(text: string): Yaml {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))
  let i = 0
  const scalar = (raw: string): string => {
    if (raw.startsWith('"')) return JSON.parse(raw) as string
    if (raw.startsWith("'")) return raw.slice(1, -1).replaceAll("''", "'")
    if (/^[|>[{&*!]/.test(raw)) throw new Error(`alerts.yaml: not modelled here: ${raw}`)
    return raw.replace(/\s+#.*$/, '')
  }
  const node = (indent: number): Yaml => (lines[i]!.slice(indent).startsWith('- ') ? sequence(indent) : mapping(indent))
  const sequence = (indent: number): Yaml[] => {
    const items: Yaml[] = []
    while (i < lines.length && indentOf(lines[i]!) === indent && lines[i]!.slice(indent).startsWith('- ')) {
      const rest = lines[i]!.slice(indent + 2)
      if (/^[\w.-]+:(\s|$)/.test(rest)) {
        lines[i] = ' '.repeat(indent + 2) + rest
        items.push(mapping(indent + 2))
      } else {
        i++
        items.push(scalar(rest))
      }
    }
    return items
  }
  const mapping = (indent: number): Record<string, Yaml> => {
    const map: Record<string, Yaml> = {}
    while (i < lines.length && indentOf(lines[i]!) === indent) {
      const [, key, value] = /^([\w.-]+):(?:\s+(.*))?$/.exec(lines[i]!.slice(indent)) ?? []
      if (!key) throw new Error(`alerts.yaml: unreadable line: ${lines[i]}`)
      i++
      if (value !== undefined) map[key] = scalar(value)
      else if (i < lines.length && indentOf(lines[i]!) > indent) map[key] = node(indentOf(lines[i]!))
      else if (i < lines.length && indentOf(lines[i]!) === indent && lines[i]!.slice(indent).startsWith('- ')) {
        map[key] = sequence(indent)
      } else map[key] = ''
    }
    if (i < lines.length && indentOf(lines[i]!) > indent) throw new Error(`alerts.yaml: misplaced line: ${lines[i]}`)
    return map
  }
  const root = node(0)
  if (i !== lines.length) throw new Error(`alerts.yaml: unread from: ${lines[i]}`)
  return root
}

// --- names and labels in PromQL

/** Metric names an expression selects: identifiers that are not functions, keywords or labels. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+\S+/g, ' ')
    .replace(/(^|[^\w.])\d+(\.\d+)?(e[+-]?\d+)?/gi, '$1 ')
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'by', 'without', 'on', 'ignoring', 'inf', 'nan'])
  return [...bare.matchAll(/([A-Za-z_:][\w:]*)(\s*\()?/g)]
    .filter(([, name, call]) => !call && !keywords.has(name!.toLowerCase()))
    .map(([, name]) => name!)
}

/** Each `metric{label…}` selector with the label names it matches on. */
function selectors(expr: string): { metric: string; labels: string[] }[] {
  return [...expr.matchAll(/([A-Za-z_:][\w:]*)\s*\{([^}]*)\}/g)].map(([, metric, matchers]) => ({
    metric: metric!,
    labels: [...matchers!.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1]!),
  }))
}

/** Labels named in `by (…)`, `without (…)`, `on (…)` and `ignoring (…)`. */
function groupingLabels(expr: string): string[] {
  return [...expr.matchAll(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g)].flatMap(([, list]) =>
    list!.split(',').map((l) => l.trim()),
  )
}

// --- the two files

interface Expression {
  readonly where: string
  readonly expr: string
}

const dashboard = JSON.parse(doc('grafana-dashboard.json')) as {
  uid: string
  title: string
  panels: { id: number; type: string; title: string; gridPos?: object; targets?: { expr: string; refId: string }[] }[]
  templating: { list: { name: string; type: string; query: string | { query: string } }[] }
}
const alerts = readYaml(doc('alerts.yaml')) as {
  groups: { name: string; rules: Record<string, string | Record<string, string>>[] }[]
}

function dashboardExpressions(): Expression[] {
  const found: Expression[] = []
  for (const panel of dashboard.panels) {
    for (const target of panel.targets ?? []) found.push({ where: `panel "${panel.title}"`, expr: target.expr })
  }
  for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query.query
    const [, selector, label] = /^label_values\((.*),\s*(\w+)\)$/.exec(query) ?? []
    if (!selector || !label) throw new Error(`variable ${variable.name}: not modelled here: ${query}`)
    found.push({ where: `variable ${variable.name}`, expr: `max by (${label}) (${selector})` })
  }
  return found
}

function alertExpressions(): Expression[] {
  return alerts.groups.flatMap((group) =>
    group.rules.map((rule) => ({ where: `alert ${String(rule.alert)}`, expr: String(rule.expr) })),
  )
}

// --- what the service exports

let service: TestService
/** Every name on /metrics (a histogram's with its _bucket, _sum and _count), with the labels its samples carry. */
const exported = new Map<string, Set<string>>()

beforeAll(async () => {
  service = await testService()
  const table = peopleTable()
  const ok = async (call: Parameters<typeof post>[1]) => expect((await post(service.app, call)).successful).toBe(true)
  await ok(await tableSchemaCall([table]))
  await ok(await rowDataCall([batch(table, 5, [['[I:1]', 'Ann', null]])]))
  await ok(await completedCall([{ table: 'person', inserts: '1', updates: '0', deletes: '0' }]))
  // A failed call of the tenant: the per-tenant error series.
  expect((await post(service.app, await wipeCall('no_such_table'))).successful).toBe(false)

  const text = await (await service.app.request('/metrics')).text()
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    exported.set(name!, new Set())
    const parts = type === 'histogram' ? ['_bucket', '_sum', '_count'] : type === 'summary' ? ['_sum', '_count'] : []
    for (const part of parts) exported.set(`${name}${part}`, new Set())
  }
  for (const [, name, labels = ''] of text.matchAll(/^([A-Za-z_:][\w:]*)(?:\{([^}]*)\})? \S+$/gm)) {
    const known = exported.get(name!)
    if (!known) throw new Error(`/metrics: a sample without # TYPE: ${name}`)
    for (const [, label] of labels.matchAll(/(\w+)="/g)) known.add(label!)
  }
})
afterAll(() => service?.close())

describe('docs/monitoring', () => {
  it('the dashboard: a Grafana dashboard whose panels have unique ids, a place and a Prometheus query each', () => {
    expect(dashboard.uid).toBe('tenant-mirror')
    const ids = dashboard.panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const panel of dashboard.panels) {
      expect(panel.gridPos, panel.title).toBeDefined()
      if (panel.type === 'row') continue
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0)
      for (const target of panel.targets ?? []) expect(target.refId).toMatch(/^[A-Z]$/)
    }
  })

  it('the alerts: Prometheus rule groups, each rule named, with an expression, a severity and a summary', () => {
    const names = alerts.groups.flatMap((g) => g.rules.map((r) => r.alert))
    expect(new Set(names).size).toBe(names.length)
    for (const rule of alerts.groups.flatMap((g) => g.rules)) {
      expect(Object.keys(rule).every((k) => ['alert', 'expr', 'for', 'labels', 'annotations'].includes(k))).toBe(true)
      expect(rule.alert).toMatch(/^TenantMirror[A-Za-z]+$/)
      expect(typeof rule.expr).toBe('string')
      if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smhd]$/)
      expect(['warning', 'critical']).toContain((rule.labels as Record<string, string>).severity)
      expect((rule.annotations as Record<string, string>).summary).toBeTruthy()
    }
  })

  it('the alerts cover what the issue asks: stale tenants, error rate, busy answers, restarts and down, readiness', () => {
    const text = alertExpressions()
      .map((e) => e.expr)
      .join('\n')
    for (const metric of [
      'tenant_mirror_tenant_last_completed_timestamp_seconds',
      'tenant_mirror_calls_total',
      'tenant_mirror_busy_total',
      'process_start_time_seconds',
      'up',
      'tenant_mirror_ready',
    ]) {
      expect(text).toContain(metric)
    }
  })

  it('every metric in every expression is one the service exports (or Prometheus makes, for a stated reason)', () => {
    const expressions = [...dashboardExpressions(), ...alertExpressions()]
    expect(expressions.length).toBeGreaterThan(20)
    const unknown = expressions.flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((name) => !exported.has(name) && !(name in NOT_FROM_THE_SERVICE))
        .map((name) => `${where}: ${name}`),
    )
    expect(unknown).toEqual([])
  })

  it('every label an expression matches or groups on is one its metrics carry (or Prometheus adds)', () => {
    const wrong: string[] = []
    for (const { where, expr } of [...dashboardExpressions(), ...alertExpressions()]) {
      const names = metricNames(expr).filter((name) => exported.has(name))
      const carried = new Set([...TARGET_LABELS, ...names.flatMap((name) => [...exported.get(name)!])])
      for (const { metric, labels } of selectors(expr)) {
        const own = exported.get(metric)
        if (!own) continue
        for (const label of labels)
          if (!TARGET_LABELS.includes(label) && !own.has(label)) wrong.push(`${where}: ${metric}{${label}}`)
      }
      if (names.length === 0) continue
      for (const label of groupingLabels(expr)) if (!carried.has(label)) wrong.push(`${where}: by (${label})`)
    }
    expect(wrong).toEqual([])
  })

  it('per-tenant series are taken as the newest over replicas: max by (tenant), as each replica exports its own', () => {
    for (const { where, expr } of [...dashboardExpressions(), ...alertExpressions()]) {
      if (!/tenant_mirror_tenant_\w+/.test(expr)) continue
      const uses = expr.match(/tenant_mirror_tenant_\w+/g)!.length
      const taken = expr.match(/max by \(tenant\) \((?:max_over_time\()?tenant_mirror_tenant_\w+/g)?.length ?? 0
      expect(taken, `${where}: ${expr}`).toBe(uses)
    }
  })

  it('the reader and the name finder are not vacuous', () => {
    expect(
      metricNames('sum by (tenant) (rate(a_total{x="b"}[5m])) / max(b_seconds_bucket) > 1.5e9 or vector(0)'),
    ).toEqual(['a_total', 'b_seconds_bucket'])
    expect(exported.get('tenant_mirror_calls_total')).toEqual(new Set(['operation', 'outcome']))
    expect(exported.get('tenant_mirror_tenant_last_error_timestamp_seconds')).toEqual(new Set(['tenant']))
    expect(exported.has('tenant_mirror_call_seconds_bucket')).toBe(true)
  })
})
