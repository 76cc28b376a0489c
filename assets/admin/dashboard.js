// The partner dashboard: polls the admin API and draws what it answers. No framework, no inline
// code (the page's content security policy forbids it); charts by uPlot, served with the page.
'use strict'

const POLL_MS = 4000
const $ = (id) => document.getElementById(id)
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
const pad = (n) => String(n).padStart(2, '0')

/** One time format everywhere: local time, the UTC instant on hover. */
function when(ms) {
  if (!ms) return '<span class="muted">–</span>'
  const d = new Date(ms)
  const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  return `<time datetime="${d.toISOString()}" title="${d.toISOString()}">${local}</time>`
}

function ago(ms) {
  if (!ms) return 'never'
  const minutes = Math.round((Date.now() - ms) / 60000)
  if (minutes < 1) return 'just now'
  if (minutes < 120) return `${minutes} min ago`
  const hours = Math.round(minutes / 60)
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`
}

const seconds = (ms) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`)

// Where the dashboard is, its API and logout beside it: /admin, or /mirror/admin when the service
// is mounted under /mirror. The server writes it into the page.
const BASE = document.documentElement.dataset.base ?? '/admin'

async function api(path, init) {
  const response = await fetch(`${BASE}/api${path}`, { credentials: 'same-origin', ...init })
  const body = await response.json().catch(() => ({}))
  if (!response.ok) throw new Error(body.detail ? `${body.title}: ${body.detail}` : body.title || `HTTP ${response.status}`)
  return body
}

const view = {
  selected: new URLSearchParams(location.hash.slice(1)).get('tenant'),
  sort: { key: 'rows', descending: true },
  charts: new Map(),
}

// ---- charts --------------------------------------------------------------------------------

/** A uPlot chart in `id`, replaced when its data changes shape; `range` fixes the time axis (seconds). */
function chart(id, title, series, data, range) {
  const element = $(id)
  const width = Math.max(320, Math.min(560, element.parentElement.clientWidth / 2 - 24))
  let existing = view.charts.get(id)
  if (existing && existing.series.length !== series.length + 1) {
    existing.destroy()
    existing = undefined
  }
  if (!existing) {
    element.innerHTML = ''
    existing = new uPlot(
      {
        title,
        width,
        height: 180,
        series: [{}, ...series],
        axes: [{}, { size: 60 }],
        scales: { x: range ? { time: true, range: () => range() } : { time: true } },
      },
      data,
      element,
    )
    view.charts.set(id, existing)
  } else existing.setData(data)
}

/** Per-minute figures as uPlot columns, with empty minutes filled in so that lines drop to zero. */
function columns(minutes, since, fields) {
  const byMinute = new Map(minutes.map((m) => [m.minute, m]))
  const start = Math.floor(since / 60000) * 60000
  const xs = []
  const ys = fields.map(() => [])
  for (let t = start; t <= Date.now(); t += 60000) {
    xs.push(t / 1000)
    const m = byMinute.get(t)
    fields.forEach((f, i) => ys[i].push(m ? f(m) : 0))
  }
  return [xs, ...ys]
}

function drawSeries(prefix, series) {
  chart(`${prefix}chart-rows`, 'rows applied per minute', [{ label: 'rows', stroke: '#1a56c4', fill: '#1a56c422' }], columns(series.minutes, series.since, [(m) => m.rows]))
  chart(
    `${prefix}chart-calls`,
    'calls and failures per minute',
    [
      { label: 'calls', stroke: '#137333' },
      { label: 'failures', stroke: '#b3261e' },
    ],
    columns(series.minutes, series.since, [(m) => m.calls, (m) => m.failures]),
  )
}

// ---- tenants -------------------------------------------------------------------------------

function lastCycle(t) {
  const c = t.recentCycles[0]
  if (!c) return '<span class="muted">–</span>'
  return `<span class="${esc(c.outcome)}">${esc(c.outcome)}</span>, ${c.rows.toLocaleString()} rows, ${seconds(c.durationMs)}`
}

function renderTenants(tenants) {
  const filter = $('tenant-filter').value.trim().toLowerCase()
  const shown = tenants.filter((t) => t.contextId.toLowerCase().includes(filter))
  $('tenant-rows').innerHTML = shown
    .map(
      (t) =>
        `<tr class="tenant health-${esc(t.health)}${t.contextId === view.selected ? ' selected' : ''}" data-tenant="${esc(t.contextId)}">` +
        `<td><span class="badge ${esc(t.health)}" data-testid="health">${esc(t.health)}</span></td>` +
        `<td class="name">${esc(t.contextId)}</td>` +
        `<td title="${t.lastCompletedAt ? new Date(t.lastCompletedAt).toISOString() : ''}">${ago(t.lastCompletedAt)}</td>` +
        `<td>${lastCycle(t)}</td><td class="${t.failures24h ? 'error' : 'muted'}">${t.failures24h}</td></tr>`,
    )
    .join('')
  for (const row of document.querySelectorAll('tr.tenant')) row.addEventListener('click', () => select(row.dataset.tenant))
  const count = (h) => tenants.filter((t) => t.health === h).length
  $('summary').textContent = `${tenants.length} tenants · ${count('failing')} failing · ${count('stale')} stale · ${count('paused')} paused`
}

function renderErrors(target, errors, withTenant) {
  $(target).innerHTML = errors.length
    ? errors
        .map(
          (e) =>
            `<tr><td>${when(e.at)}</td>${withTenant ? `<td>${esc(e.contextId ?? '(no tenant)')}</td>` : ''}` +
            `<td>${esc(e.operation)}</td><td class="message error">${esc(e.message)}</td><td><code>${esc(e.reference ?? '')}</code></td></tr>`,
        )
        .join('')
    : `<tr><td class="muted" colspan="5">no errors kept</td></tr>`
}

// ---- one tenant ----------------------------------------------------------------------------

const SORTS = {
  table: (a, b) => a.table.localeCompare(b.table),
  lsn: (a, b) => a.lsn - b.lsn,
  rows: (a, b) => (a.rows ?? -1) - (b.rows ?? -1),
  lastDataAt: (a, b) => (a.lastDataAt ?? 0) - (b.lastDataAt ?? 0),
  lsnMovedAt: (a, b) => (a.lsnMovedAt ?? 0) - (b.lsnMovedAt ?? 0),
}

function renderTables(tables) {
  const filter = $('table-filter').value.trim().toLowerCase()
  const empty = $('empty-tables').checked
  const compare = SORTS[view.sort.key]
  const rows = tables
    .filter((t) => t.table.toLowerCase().includes(filter) && (empty || t.rows !== 0))
    .sort((a, b) => (view.sort.descending ? -compare(a, b) : compare(a, b)) || a.table.localeCompare(b.table))
  $('table-rows').innerHTML = rows
    .map(
      (t) =>
        `<tr data-table="${esc(t.table)}"><td>${esc(t.table)}</td><td class="lsn">${t.lsn}</td><td class="rows">${t.rows ?? '–'}</td>` +
        `<td>${when(t.lastDataAt)}${t.lastRows ? ` <span class="muted">(${t.lastRows} rows)</span>` : ''}</td><td>${when(t.lsnMovedAt)}</td>` +
        `<td><button type="button" data-resync="${esc(t.table)}">Resync</button></td></tr>`,
    )
    .join('')
  for (const b of document.querySelectorAll('[data-resync]')) {
    b.addEventListener('click', () => act('POST', `/tenants/${encodeURIComponent(view.selected)}/tables/${encodeURIComponent(b.dataset.resync)}/resync`))
  }
}

async function renderTenant(ctx) {
  const c = encodeURIComponent(ctx)
  const [t, series] = await Promise.all([api(`/tenants/${c}`), api(`/series?tenant=${c}&hours=24`)])
  view.tenant = t
  $('tenant-title').textContent = t.contextId
  $('tenant-health').className = `badge ${t.health}`
  $('tenant-health').textContent = t.health
  $('tenant-status').innerHTML =
    `last completed cycle ${ago(t.lastCompletedAt)} (${when(t.lastCompletedAt)}) · last call ${t.lastCall ? `${esc(t.lastCall.operation)} ${esc(t.lastCall.outcome)} ${when(t.lastCall.at)}` : 'none'}` +
    ` · ${t.failures24h} failures in 24 h`
  $('tenant-error').hidden = !t.lastError
  $('tenant-error').innerHTML = t.lastError
    ? `${when(t.lastError.at)} ${esc(t.lastError.operation)}: ${esc(t.lastError.message)} <code>${esc(t.lastError.reference ?? '')}</code>`
    : ''
  document.querySelector('[data-action=pause]').hidden = t.paused
  document.querySelector('[data-action=resume]').hidden = !t.paused
  drawSeries('tenant-', series)
  const cycles = [...series.cycles].reverse()
  chart(
    'tenant-chart-cycles',
    'cycle duration (s)',
    [{ label: 'duration', stroke: '#7a5fae', points: { show: true } }],
    [cycles.map((x) => x.endedAt / 1000), cycles.map((x) => x.durationMs / 1000)],
    () => [series.since / 1000, Date.now() / 1000],
  )
  $('cycle-rows').innerHTML = t.cycles.length
    ? t.cycles
        .map(
          (x) =>
            `<tr><td>${when(x.endedAt)}</td><td class="${esc(x.outcome)}">${esc(x.outcome)}</td><td>${x.rows.toLocaleString()}</td><td>${x.calls}</td>` +
            `<td>${seconds(x.durationMs)}</td><td class="message error">${esc(x.error ?? '')} <code>${esc(x.reference ?? '')}</code></td></tr>`,
        )
        .join('')
    : `<tr><td class="muted" colspan="6">no cycle recorded yet</td></tr>`
  renderTables(t.tables)
  $('schema-rows').innerHTML = t.schemaChanges.length
    ? t.schemaChanges
        .map((s) => `<tr><td>${when(s.at)}</td><td>${esc(s.table)}</td><td>${esc(s.change)}</td><td class="message">${esc(s.detail)}</td></tr>`)
        .join('')
    : `<tr><td class="muted" colspan="4">none kept</td></tr>`
  renderErrors('tenant-errors', t.errors, false)
}

// ---- actions and navigation ----------------------------------------------------------------

async function act(method, path, question) {
  if (question && !confirm(question)) return
  try {
    await api(path, { method })
  } catch (error) {
    alert(error.message)
  }
  await refresh()
}

function select(ctx) {
  view.selected = ctx
  location.hash = ctx ? `tenant=${encodeURIComponent(ctx)}` : ''
  for (const chart of [...view.charts.keys()].filter((k) => k.startsWith('tenant-'))) {
    view.charts.get(chart).destroy()
    view.charts.delete(chart)
  }
  refresh()
}

async function refresh() {
  try {
    const tenants = await api('/tenants')
    view.tenants = tenants
    renderTenants(tenants)
    $('overview').hidden = Boolean(view.selected)
    $('tenant').hidden = !view.selected
    if (view.selected) await renderTenant(view.selected)
    else {
      const [series, errors] = await Promise.all([api('/series?hours=24'), api('/errors?limit=50')])
      drawSeries('', series)
      renderErrors('error-feed', errors, true)
    }
  } catch (error) {
    $('summary').textContent = `the dashboard cannot reach the service: ${error.message}`
  }
}

const c = () => encodeURIComponent(view.selected)
document.querySelector('[data-action=pause]').addEventListener('click', () => act('POST', `/tenants/${c()}/pause`))
document.querySelector('[data-action=resume]').addEventListener('click', () => act('POST', `/tenants/${c()}/resume`))
document
  .querySelector('[data-action=resync-all]')
  .addEventListener('click', () => act('POST', `/tenants/${c()}/resync`, `Reload every table of ${view.selected}?`))
document
  .querySelector('[data-action=discard]')
  .addEventListener('click', () => act('DELETE', `/tenants/${c()}/mirror`, `Drop every mirror table of ${view.selected}?`))
$('back').addEventListener('click', (event) => {
  event.preventDefault()
  select(null)
})
$('tenant-filter').addEventListener('input', () => view.tenants && renderTenants(view.tenants))
$('table-filter').addEventListener('input', () => view.tenant && renderTables(view.tenant.tables))
$('empty-tables').addEventListener('change', () => view.tenant && renderTables(view.tenant.tables))
for (const th of document.querySelectorAll('th[data-sort]')) {
  th.addEventListener('click', () => {
    const key = th.dataset.sort
    view.sort = { key, descending: view.sort.key === key ? !view.sort.descending : key !== 'table' }
    if (view.tenant) renderTables(view.tenant.tables)
  })
}
$('logout').addEventListener('click', async () => {
  await fetch(`${BASE}/logout`, { method: 'POST', credentials: 'same-origin' })
  location.href = BASE || '/'
})

refresh()
setInterval(refresh, POLL_MS)
