/**
 * The dashboard: one static page that polls the admin API every two seconds, so that LSNs and
 * row counts move while a cycle runs. No framework: the data is a few tables of text.
 */
export const ADMIN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tenant-mirror</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:0;color:#1d2433;background:#f5f6f8}
header{background:#1d2433;color:#fff;padding:12px 20px;font-weight:600}
main{display:flex;gap:20px;padding:20px}
section{background:#fff;border-radius:6px;box-shadow:0 1px 3px #0002;padding:12px;overflow:auto}
#tenants{min-width:320px}#detail{flex:1}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e5e7eb;white-space:nowrap}
tr.tenant{cursor:pointer}tr.tenant.selected{background:#e8f0fe}
.ok{color:#137333}.failed,.fault,.error{color:#b3261e}.muted{color:#6b7280}
button{margin:0 4px 8px 0;padding:4px 10px;border:1px solid #c4c7cf;border-radius:4px;background:#fff;cursor:pointer}
button.danger{border-color:#b3261e;color:#b3261e}td button{margin:0;padding:1px 8px}
</style></head>
<body><header>tenant-mirror · partner dashboard</header>
<main><section id="tenants"><h3>Tenants</h3><table><thead><tr><th>tenant</th><th>last call</th><th>last cycle</th></tr></thead><tbody id="tenant-rows"></tbody></table></section>
<section id="detail"><p class="muted">Choose a tenant.</p></section></main>
<script>
let selected = new URLSearchParams(location.hash.slice(1)).get('tenant')
const api = (path, init) => fetch('/admin/api' + path, { credentials: 'same-origin', ...init }).then((r) => {
  if (!r.ok) throw new Error(r.status + ' ' + r.statusText); return r.json() })
const when = (ms) => (ms ? new Date(ms).toLocaleTimeString() : '–')
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c])
async function act(method, path, confirmText) {
  if (confirmText && !confirm(confirmText)) return
  await api(path, { method }); await refresh()
}
function select(ctx) { selected = ctx; location.hash = 'tenant=' + encodeURIComponent(ctx); refresh() }
async function refresh() {
  try {
    const tenants = await api('/tenants')
    document.getElementById('tenant-rows').innerHTML = tenants.map((t) =>
      '<tr class="tenant' + (t.contextId === selected ? ' selected' : '') + '" data-tenant="' + esc(t.contextId) + '">' +
      '<td>' + esc(t.contextId) + (t.paused ? ' <span class="muted">(paused)</span>' : '') + '</td>' +
      '<td class="' + esc(t.lastCall?.outcome) + '">' + (t.lastCall ? esc(t.lastCall.operation) + ' ' + when(t.lastCall.at) : '–') + '</td>' +
      '<td class="' + (t.lastError ? 'error' : 'ok') + '">' + (t.lastError ? esc(t.lastError) : 'completed ' + when(t.lastCompletedAt)) + '</td></tr>').join('')
    for (const row of document.querySelectorAll('tr.tenant')) row.onclick = () => select(row.dataset.tenant)
    if (!selected && tenants.length) selected = tenants[0].contextId
    if (selected) await renderTenant(selected)
  } catch (e) { document.getElementById('detail').innerHTML = '<p class="error">' + esc(e.message) + '</p>' }
}
async function renderTenant(ctx) {
  const t = await api('/tenants/' + encodeURIComponent(ctx))
  const c = encodeURIComponent(ctx)
  document.getElementById('detail').innerHTML =
    '<h3 data-testid="tenant-title">' + esc(t.contextId) + '</h3>' +
    '<button data-action="' + (t.paused ? 'resume' : 'pause') + '">' + (t.paused ? 'Resume' : 'Pause') + '</button>' +
    '<button data-action="resync-all">Resync all tables</button>' +
    '<button class="danger" data-action="discard">Discard mirror</button>' +
    (t.lastError ? '<p class="error">' + esc(t.lastError) + '</p>' : '') +
    '<table><thead><tr><th>table</th><th>LSN</th><th>rows</th><th>last change</th><th></th></tr></thead><tbody>' +
    t.tables.map((r) => '<tr data-table="' + esc(r.table) + '"><td>' + esc(r.table) + '</td><td class="lsn">' + r.lsn +
      '</td><td class="rows">' + (r.rows ?? '–') + '</td><td>' + esc(r.updatedAt) +
      '</td><td><button data-resync="' + esc(r.table) + '">Resync</button></td></tr>').join('') + '</tbody></table>' +
    '<h4>Schema changes</h4><table><tbody>' + (t.schemaChanges.length ? t.schemaChanges.map((s) =>
      '<tr><td>' + when(s.at) + '</td><td>' + esc(s.table) + '</td><td>' + esc(s.change) + '</td></tr>').join('') :
      '<tr><td class="muted">none since the service started</td></tr>') + '</tbody></table>'
  const on = (sel, fn) => { const b = document.querySelector(sel); if (b) b.onclick = fn }
  on('[data-action=pause]', () => act('POST', '/tenants/' + c + '/pause'))
  on('[data-action=resume]', () => act('POST', '/tenants/' + c + '/resume'))
  on('[data-action=resync-all]', () => act('POST', '/tenants/' + c + '/resync', 'Reload every table of ' + ctx + '?'))
  on('[data-action=discard]', () => act('DELETE', '/tenants/' + c + '/mirror', 'Drop every mirror table of ' + ctx + '?'))
  for (const b of document.querySelectorAll('[data-resync]')) b.onclick = () =>
    act('POST', '/tenants/' + c + '/tables/' + encodeURIComponent(b.dataset.resync) + '/resync')
}
refresh(); setInterval(refresh, 2000)
</script></body></html>`
