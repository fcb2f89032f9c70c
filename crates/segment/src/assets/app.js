// The local Segment's live page. Plain script, no build step, nothing loaded from elsewhere.
//
// Rule for everything below: message data reaches the DOM only through text nodes and
// `textContent` (the `el` helper) — never innerHTML — so an event named
// `<img src=x onerror=…>` shows as those characters and runs nothing.
'use strict';

const TOKEN = document.querySelector('meta[name="segment-admin-token"]').content;
const MAX_ROWS = 2000;
const $ = (id) => document.getElementById(id);

/** An element with text children; `attrs` sets attributes (never data as markup). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/**
 * Pretty-prints JSON text without parsing it into objects, so keys keep their order (JSON.parse
 * would move integer-like keys first) and numbers keep their spelling.
 */
function prettyJson(text) {
  if (typeof text !== 'string') return '';
  let out = '';
  let depth = 0;
  let inString = false;
  const newline = () => '\n' + '  '.repeat(depth);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') { out += text[++i] ?? ''; } else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') { inString = true; out += c; }
    else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      if (text[i + 1] === close) { out += c + close; i++; continue; }
      depth++; out += c + newline();
    } else if (c === '}' || c === ']') { depth = Math.max(0, depth - 1); out += newline() + c; }
    else if (c === ',') out += ',' + newline();
    else if (c === ':') out += ': ';
    else out += c;
  }
  return depth === 0 && !inString ? out : text;
}

function showError(text) { $('error').textContent = text || ''; }

// ---- the list --------------------------------------------------------------------------------

const rows = new Map(); // id -> <tr>
let selected = null;

function routeText(routes) {
  if (!routes.length) return '–';
  return routes.map(([name, state]) => `${name} → ${state}`).join('; ');
}

function rowFor(r) {
  const tr = el('tr', { dataset: { id: String(r.id), outcome: r.outcome } },
    el('td', {}, r.id),
    el('td', {}, r.received_at),
    el('td', {}, r.path),
    el('td', { class: 'type' }, r.type ?? '–'),
    el('td', { class: 'event' }, r.event ?? ''),
    el('td', { class: 'user' }, r.user ?? ''),
    el('td', { class: 'outcome', dataset: { outcome: r.outcome }, title: r.reason ?? '' }, r.outcome, r.reason ? ` (${r.reason})` : ''),
    el('td', { class: 'routes' }, routeText(r.routes)));
  tr.addEventListener('click', () => openDetail(r.id));
  if (selected === r.id) tr.classList.add('selected');
  return tr;
}

function addRows(list) {
  const body = $('rows');
  for (const r of list) {
    const tr = rowFor(r);
    const old = rows.get(r.id);
    if (old) old.replaceWith(tr);
    else body.prepend(tr);
    rows.set(r.id, tr);
  }
  while (rows.size > MAX_ROWS) {
    const [id, tr] = rows.entries().next().value;
    tr.remove();
    rows.delete(id);
  }
  if (selected !== null && list.some((r) => r.id === selected)) openDetail(selected, true);
}

function clearRows() {
  $('rows').replaceChildren();
  rows.clear();
}

// ---- the detail view: the whole way of one message -------------------------------------------

function section(title, ...children) {
  return el('div', { class: 'part' }, el('h2', {}, title), ...children);
}

function requestView(req) {
  const headers = req.headers.map(([k, v]) => `${k}: ${v}`).join('\n');
  return el('div', { class: 'request' },
    el('pre', { class: 'request-line' }, `${req.method} ${req.url}`),
    el('pre', { class: 'headers' }, headers),
    el('pre', { class: 'body' }, prettyJson(req.body)));
}

function deliveryView(d) {
  if (!d) return el('p', { class: 'muted delivery' }, 'delivery: queued');
  const cls = d.kind === 'delivered' ? 'good' : 'bad';
  return el('p', { class: `delivery ${cls}` },
    `delivery: ${d.kind}`, d.status ? `, HTTP ${d.status}` : '',
    `, ${d.attempts} attempt(s)`, d.attempts > 1 ? ` (${d.attempts - 1} retr${d.attempts === 2 ? 'y' : 'ies'})` : '',
    d.reason ? ` — ${d.reason}` : '');
}

function subscriptionView(check, routes) {
  const route = routes.find((r) => r.subscription === check.name);
  const box = el('div', { class: 'sub', dataset: { matched: String(check.matched), name: check.name } },
    el('h3', {}, `${check.name} (${check.action})`),
    el('p', {}, 'trigger: ', el('code', {}, check.trigger)),
    el('p', { class: check.matched ? 'good matched' : 'why matched' }, check.matched ? 'matched' : 'did not match'));
  if (!check.matched) {
    if (check.failed.length) {
      box.append(el('p', { class: 'why failed' }, 'failed: ', check.failed.join('; ')));
    }
    if (check.note) box.append(el('p', { class: 'why note' }, check.note));
  }
  if (route && route.request) box.append(requestView(route.request), deliveryView(route.delivery));
  if (route && route.error) {
    box.append(el('p', { class: 'bad action-error' }, `${route.error.name}: ${route.error.message}`,
      route.error.status ? ` (status ${route.error.status})` : ''));
  }
  box.append(explanationView(check));
  return box;
}

const show = (v) => (v === undefined ? 'undefined' : JSON.stringify(v));

// The destination's explanation of this subscription (docs/explain.md): what decided the
// trigger, each field's directive, value, steps and place in the body, and perform's own values.
function explanationView(check) {
  const x = check.explanation;
  const box = el('div', { class: 'explanation', dataset: { subscription: check.name } });
  if (!x) return box;
  const decided = (x.trigger?.decided_by || []).map((d) =>
    el('li', { class: 'decided' }, `${d.condition} was ${d.result}`, 'actual' in d ? ` (read ${show(d.actual)})` : ''));
  if (decided.length) box.append(el('p', { class: 'muted' }, 'decided by:'), el('ul', { class: 'decided-by' }, ...decided));
  const fields = (x.fields || []).map((f) => el('tr', { class: 'field', dataset: { field: f.field } },
    el('td', { class: 'x-field' }, f.field),
    el('td', { class: 'x-directive' }, show(f.directive)),
    el('td', { class: 'x-value' }, f.defined === false ? 'undefined' : show(f.value)),
    el('td', { class: 'x-steps' }, (f.steps || []).map((st) => `${st.stage}: ${st.note}`).join('; ')),
    el('td', { class: 'x-pointer' }, f.body_pointer ?? 'not in the body')));
  if (fields.length) {
    box.append(el('table', { class: 'fields' },
      el('thead', {}, el('tr', {}, ...['field', 'directive', 'value', 'steps', 'body pointer'].map((h) => el('th', {}, h)))),
      el('tbody', {}, ...fields)));
  }
  const derived = (x.derived || []).map((d) => el('tr', { class: 'derived' },
    el('td', { class: 'x-pointer' }, d.body_pointer), el('td', { class: 'x-rule' }, d.rule), el('td', { class: 'x-value' }, show(d.value))));
  if (derived.length) {
    box.append(el('table', { class: 'derived-values' },
      el('thead', {}, el('tr', {}, ...['body pointer', 'rule', 'value'].map((h) => el('th', {}, h)))),
      el('tbody', {}, ...derived)));
  }
  if (x.error) box.append(el('p', { class: 'bad x-error' }, `${x.error.name}: ${x.error.message}${x.error.field ? ` (field ${x.error.field})` : ''}`));
  return box;
}

async function mockVerdict(message) {
  const box = el('div', { class: 'mock' }, el('p', { class: 'muted' }, 'asking the mock…'));
  let messageId = null;
  try { messageId = JSON.parse(message.seen || 'null')?.messageId ?? null; } catch (_) { /* not JSON */ }
  if (!messageId || !message.routes.some((r) => r.request)) {
    box.replaceChildren(el('p', { class: 'muted' }, 'nothing was sent to Usermaven for this message'));
    return box;
  }
  const link = el('a', { href: `/__mock/?event_id=${encodeURIComponent(messageId)}` }, 'open in the mock →');
  fetch(`/__mock/events?event_id=${encodeURIComponent(messageId)}`, { headers: { 'x-mock-admin-token': TOKEN } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((events) => {
      if (!Array.isArray(events) || !events.length) {
        box.replaceChildren(el('p', { class: 'muted verdict' }, 'the mock has not stored it (yet)'), link);
        return;
      }
      const parts = events.map((e) => {
        const findings = (e.warnings || []).map((w) => `${w.severity}: ${w.field ? w.field + ': ' : ''}${w.message}`);
        return el('div', {},
          el('p', { class: findings.length ? 'why verdict' : 'good verdict' },
            `mock event #${e.id}: `, findings.length ? `${findings.length} finding(s)` : 'ok, no findings'),
          findings.length ? el('pre', { class: 'findings' }, findings.join('\n')) : null);
      });
      box.replaceChildren(...parts, link);
    })
    .catch((e) => box.replaceChildren(el('p', { class: 'muted verdict' }, `the mock's verdict is not available here (${e.message})`), link));
  return box;
}

async function openDetail(id, refresh) {
  selected = id;
  for (const tr of rows.values()) tr.classList.toggle('selected', tr.dataset.id === String(id));
  try {
    const r = await fetch(`/__segment/messages/${id}`);
    if (!r.ok) { showError(`message ${id}: HTTP ${r.status}`); return; }
    const d = await r.json();
    const m = d.message;
    const view = $('detail');
    const parts = [
      el('h2', {}, `message #${m.id} — ${m.outcome}`),
      m.reason ? el('p', { class: 'why reason' }, m.reason) : null,
      section('as received', el('p', { class: 'muted' }, `${m.path} at ${m.received_at}, write key ${m.write_key ?? '–'}`),
        el('pre', { class: 'received' }, prettyJson(m.received))),
      m.seen ? section('as the destination saw it', el('pre', { class: 'seen' }, prettyJson(m.seen))) : null,
      d.subscriptions.length ? section('subscriptions', ...d.subscriptions.map((c) => subscriptionView(c, m.routes))) : null,
      // Routes without a subscription check (an event the destination could not parse).
      ...m.routes.filter((r) => !d.subscriptions.some((c) => c.name === r.subscription))
        .map((r) => el('p', { class: 'bad action-error' }, r.error ? `${r.error.name}: ${r.error.message}` : '')),
      m.seen && m.outcome !== 'dropped' && m.outcome !== 'skipped' ? section('the mock', await mockVerdict(m)) : null,
    ];
    view.replaceChildren(...parts.filter(Boolean));
    view.hidden = false;
    if (!refresh) view.scrollTop = 0;
  } catch (e) {
    showError(String(e));
  }
}

// ---- filters, pause, clear and the live stream ---------------------------------------------

function filterQuery() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData($('filters'))) if (String(v).trim() !== '') params.set(k, String(v).trim());
  return params.toString();
}

let source = null;
let paused = false;
const held = [];

function apply(m) {
  if (m.reset) clearRows();
  addRows(m.rows || []);
  const c = m.counts || {};
  $('counts').textContent = `${c.retained ?? 0} kept, ${c.total ?? 0} received, ${c.evicted ?? 0} evicted`;
}

function connect() {
  if (source) source.close();
  held.length = 0;
  const query = filterQuery();
  source = new EventSource(`/__segment/stream${query ? `?${query}` : ''}`);
  const conn = $('conn');
  source.addEventListener('open', () => { conn.dataset.state = 'live'; conn.textContent = 'live'; });
  source.addEventListener('error', () => { conn.dataset.state = 'reconnecting'; conn.textContent = 'reconnecting…'; });
  source.addEventListener('tick', (msg) => {
    const m = JSON.parse(msg.data);
    if (paused) {
      if (m.reset) held.length = 0;
      held.push(m);
      $('pause-state').textContent = `${held.reduce((n, x) => n + (x.rows || []).length, 0)} update(s) held`;
      return;
    }
    apply(m);
  });
}

$('pause').addEventListener('change', () => {
  paused = $('pause').checked;
  if (paused) return;
  $('pause-state').textContent = '';
  for (const m of held.splice(0)) apply(m);
});

$('clear').addEventListener('click', async () => {
  const r = await fetch('/__segment/messages', { method: 'DELETE', headers: { 'x-segment-admin-token': TOKEN } });
  if (!r.ok) showError(`clear: HTTP ${r.status}`);
  $('detail').hidden = true;
  selected = null;
});

let filterTimer = null;
$('filters').addEventListener('input', () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => {
    const query = filterQuery();
    history.replaceState(null, '', query ? `?${query}` : location.pathname);
    connect();
  }, 250);
});
$('filters').addEventListener('submit', (e) => e.preventDefault());

// Filters from the address (`/?type=track`), so a filtered view can be reloaded or shared.
const initial = new URLSearchParams(location.search);
for (const input of $('filters').elements) {
  if (input.name && initial.has(input.name)) input.value = initial.get(input.name);
}
connect();
