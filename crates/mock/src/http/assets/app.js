// The mock's live page. Plain script, no build step, nothing loaded from elsewhere.
//
// Rule for everything below: data from events and requests reaches the DOM only through
// `textContent` (the `el` helper) — never innerHTML — so an event named
// `<img src=x onerror=…>` shows as those characters and runs nothing.
'use strict';

const TOKEN = document.querySelector('meta[name="mock-admin-token"]').content;
const MAX_ROWS = 2000;

const $ = (id) => document.getElementById(id);

/** An element with text children; `attrs` sets properties (never with data as markup). */
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
 * Pretty-prints JSON text without parsing it into objects, so keys keep the order they were
 * received in (JSON.parse would move integer-like keys first) and numbers keep their spelling.
 * Text that is not balanced JSON comes back unchanged.
 */
function prettyJson(text) {
  if (typeof text !== 'string') return '';
  const n = text.length;
  let out = '';
  let depth = 0;
  let i = 0;
  const newline = () => '\n' + '  '.repeat(depth);
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= n) return text;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === ' ' || c === '\n' || c === '\r' || c === '\t') {
      i += 1;
    } else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      let j = i + 1;
      while (j < n && ' \n\r\t'.includes(text[j])) j += 1;
      if (text[j] === close) {
        out += c + close;
        i = j + 1;
      } else {
        depth += 1;
        out += c + newline();
        i += 1;
      }
    } else if (c === '}' || c === ']') {
      depth -= 1;
      if (depth < 0) return text;
      out += newline() + c;
      i += 1;
    } else if (c === ',') {
      out += ',' + newline();
      i += 1;
    } else if (c === ':') {
      out += ': ';
      i += 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return depth === 0 ? out : text;
}

const time = (iso) => (typeof iso === 'string' && iso.length >= 23 ? iso.slice(11, 23) : String(iso || ''));

function showError(message) {
  $('error').textContent = message || '';
}

/** A state-changing request: never GET, always with the admin token. */
async function control(method, path, body) {
  const init = { method, headers: { 'x-mock-admin-token': TOKEN } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  try {
    const res = await fetch(path, init);
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try { message = JSON.parse(text).message || text; } catch (_) { /* not JSON */ }
      const hint = res.status === 401 ? ' (if the mock restarted, reload the page)' : '';
      showError(`${method} ${path}: ${res.status} ${message}${hint}`);
      return null;
    }
    showError('');
    return text ? JSON.parse(text) : {};
  } catch (e) {
    showError(`${method} ${path}: ${e}`);
    return null;
  }
}

async function getJson(path) {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

/** Click or Enter opens a row's detail. */
function onActivate(tr, open) {
  tr.addEventListener('click', open);
  tr.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') open();
  });
}

// ---- the event list -------------------------------------------------------------------------

const events = new Map(); // stored id -> { row, tr }
const byEventId = new Map(); // collector event id -> Set of stored ids
let selected = null;

function eventCells(r) {
  const dups = r.event_id ? (byEventId.get(r.event_id) || new Set()).size : 0;
  const idCell = el('td', { title: r.event_id || '' }, r.event_id || '–');
  if (dups > 1) idCell.append(el('span', { class: 'badge', title: 'stored more than once' }, `dup ×${dups}`));
  return [
    el('td', { title: r.received_at }, time(r.received_at)),
    el('td', {}, r.id),
    el('td', { class: 'type' }, r.event_type || '–'),
    el('td', {}, r.user_id || '–'),
    el('td', {}, r.anonymous_id || '–'),
    idCell,
    el('td', { class: `verdict-${r.verdict}` }, r.verdict),
    el('td', {}, r.errors ? `${r.warnings} (${r.errors} error)` : r.warnings),
  ];
}

function renderEventRow(entry) {
  entry.tr.replaceChildren(...eventCells(entry.row));
}

function addEvents(rows, fresh) {
  const body = $('event-rows');
  const touched = new Set();
  for (const r of rows) {
    if (events.has(r.id)) continue;
    const tr = el('tr', { dataset: { id: r.id }, class: fresh ? 'event fresh' : 'event', tabindex: '0' });
    onActivate(tr, () => openEvent(r.id));
    const entry = { row: r, tr };
    events.set(r.id, entry);
    if (r.event_id) {
      const set = byEventId.get(r.event_id) || new Set();
      set.add(r.id);
      byEventId.set(r.event_id, set);
      if (set.size > 1) for (const id of set) touched.add(id);
    }
    renderEventRow(entry);
    body.prepend(tr); // rows arrive oldest first; the newest ends on top
  }
  for (const id of touched) if (events.has(id)) renderEventRow(events.get(id));
  while (events.size > MAX_ROWS) {
    const oldest = events.keys().next().value;
    const entry = events.get(oldest);
    entry.tr.remove();
    events.delete(oldest);
    const set = entry.row.event_id && byEventId.get(entry.row.event_id);
    if (set) set.delete(oldest);
  }
  $('events-empty').hidden = events.size > 0;
  $('shown').textContent = `${events.size} shown`;
}

function clearEvents() {
  events.clear();
  byEventId.clear();
  $('event-rows').replaceChildren();
  $('events-empty').hidden = false;
  $('shown').textContent = '';
}

// ---- the request journal --------------------------------------------------------------------

const requests = new Map(); // request id -> { row, tr }

function addRequests(rows, fresh) {
  const body = $('request-rows');
  const outcome = $('outcome').value;
  for (const r of rows) {
    if (requests.has(r.id)) continue;
    const reason = r.fault ? `fault: ${r.fault}` : r.reason || '';
    const tr = el('tr', { dataset: { id: r.id, outcome: r.outcome }, class: fresh ? 'fresh' : '' },
      el('td', { title: r.received_at }, time(r.received_at)),
      el('td', {}, r.id),
      el('td', {}, r.method),
      el('td', { title: r.query ? `${r.path}?${r.query}` : r.path }, r.query ? `${r.path}?${r.query}` : r.path),
      el('td', {}, r.status === null ? 'dropped' : r.status),
      el('td', { class: `outcome-${r.outcome}` }, r.outcome),
      el('td', {}, r.events),
      el('td', { title: reason }, reason));
    tr.hidden = outcome !== '' && r.outcome !== outcome;
    tr.setAttribute('tabindex', '0');
    onActivate(tr, () => openRequest(r.id));
    requests.set(r.id, { row: r, tr });
    body.prepend(tr);
  }
  while (requests.size > MAX_ROWS) {
    const oldest = requests.keys().next().value;
    requests.get(oldest).tr.remove();
    requests.delete(oldest);
  }
}

function clearRequests() {
  requests.clear();
  $('request-rows').replaceChildren();
}

$('outcome').addEventListener('change', () => {
  const want = $('outcome').value;
  for (const { row, tr } of requests.values()) tr.hidden = want !== '' && row.outcome !== want;
});

// ---- status and controls --------------------------------------------------------------------

let lastStatus = null;

function showStatus(s) {
  if (!s) return;
  lastStatus = s;
  $('counts').textContent = `${s.events} events stored · ${s.requests} requests · ${s.faults_injected} faults injected`;
  if (document.activeElement !== $('strict')) $('strict').value = s.strict;
  const parts = [];
  for (const p of s.pending_faults || []) parts.push(`next ${p.times}× ${p.fault}`);
  if (s.random_faults) parts.push('random faults on');
  $('faults-state').textContent = parts.length ? `armed: ${parts.join(', ')}` : 'no faults armed';
}

$('clear').addEventListener('click', async () => {
  if (await control('DELETE', '/__mock/events')) {
    clearEvents();
    clearRequests();
    closeDetail();
  }
});

$('strict').addEventListener('change', () => control('PUT', '/__mock/strict', { mode: $('strict').value }));

function faultSpec() {
  const kind = $('fault-kind').value;
  const value = Number($('fault-value').value);
  switch (kind) {
    case 'status': return { kind, status: value || 503 };
    case 'delay': return { kind, ms: value };
    case 'slow': return { kind, byte_delay_ms: Math.max(1, value) };
    case 'drop': return { kind, after_processing: false };
    default: return { kind };
  }
}

$('fault-kind').addEventListener('change', () => {
  const defaults = { status: 503, delay: 1000, slow: 20, drop: '', partial: '' };
  $('fault-value').value = defaults[$('fault-kind').value];
  $('fault-value').disabled = ['drop', 'partial'].includes($('fault-kind').value);
});

$('fault-inject').addEventListener('click', () => {
  const times = Math.max(1, Number($('fault-times').value) || 1);
  control('POST', '/__mock/faults', { ...faultSpec(), times });
});

$('random-start').addEventListener('click', () => {
  const spec = faultSpec();
  const p = Math.min(1, Math.max(0, Number($('random-p').value) || 0));
  const random = { seed: Number($('random-seed').value) || 0 };
  if (spec.kind === 'status') Object.assign(random, { status: p, statuses: [spec.status] });
  else if (spec.kind === 'delay') Object.assign(random, { delay: p, delay_ms: spec.ms });
  else if (spec.kind === 'slow') Object.assign(random, { slow: p, slow_byte_delay_ms: spec.byte_delay_ms });
  else random[spec.kind] = p;
  control('POST', '/__mock/faults', { random });
});

$('faults-clear').addEventListener('click', () => control('DELETE', '/__mock/faults'));

// ---- tabs -----------------------------------------------------------------------------------

for (const tab of document.querySelectorAll('.tabs button')) {
  tab.addEventListener('click', () => {
    for (const t of document.querySelectorAll('.tabs button')) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      $(`tab-${t.dataset.tab}`).hidden = !on;
    }
    if (tab.dataset.tab === 'duplicates') loadDuplicates();
  });
}

async function loadDuplicates() {
  try {
    const groups = await getJson('/__mock/duplicates');
    $('duplicate-rows').replaceChildren(...groups.map((g) => {
      const ids = el('td', {});
      for (const id of g.ids) {
        ids.append(el('button', { type: 'button', class: 'link', onclick: (e) => { e.stopPropagation(); openEvent(id); } }, `#${id}`), ' ');
      }
      return el('tr', {}, el('td', {}, g.event_id), el('td', {}, g.count), ids);
    }));
  } catch (e) {
    showError(String(e));
  }
}

// ---- detail view ----------------------------------------------------------------------------

function closeDetail() {
  $('detail').hidden = true;
  if (selected) selected.classList.remove('selected');
  selected = null;
}

$('detail-close').addEventListener('click', closeDetail);

function select(tr) {
  if (selected) selected.classList.remove('selected');
  selected = tr || null;
  if (selected) selected.classList.add('selected');
}

const dl = (pairs) => el('dl', {}, ...pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v === null || v === undefined || v === '' ? '–' : v)]));
const pre = (text, cls) => el('pre', { class: cls || '' }, text);

function requestSection(r) {
  const target = r.query ? `${r.path}?${r.query}` : r.path;
  const nodes = [
    el('h3', {}, `Request #${r.id}`),
    dl([
      ['request', `${r.method} ${target}`],
      ['received', r.received_at],
      ['status', r.status === null ? 'connection dropped, no response' : r.status],
      ['outcome', r.outcome],
      ['reason', r.reason],
      ['fault', r.fault ? JSON.stringify(r.fault) : null],
      ['token from', r.token_source],
      ['body size', `${r.body_len} bytes`],
      ['duration', typeof r.duration_us === 'number' ? `${(r.duration_us / 1000).toFixed(3)} ms` : null],
    ]),
    el('h3', {}, 'Headers'),
    el('table', { class: 'rows headers' }, el('tbody', {}, ...(r.headers || []).map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', {}, v))))),
  ];
  if (r.body !== null && r.body !== undefined) nodes.push(el('h3', {}, 'Body (as received, redacted)'), pre(prettyJson(r.body), 'request-body'));
  if (r.response_body) nodes.push(el('h3', {}, 'Response body'), pre(prettyJson(r.response_body), 'response-body'));
  return nodes;
}

function findingsTable(warnings) {
  if (!warnings.length) return el('p', { class: 'empty' }, 'No strict-mode findings.');
  return el('table', { class: 'rows findings' },
    el('thead', {}, el('tr', {}, el('th', {}, 'severity'), el('th', {}, 'JSON pointer'), el('th', {}, 'message'))),
    el('tbody', {}, ...warnings.map((w) => el('tr', {}, el('td', { class: w.severity === 'error' ? 'verdict-error' : 'verdict-advice' }, w.severity), el('td', {}, w.path || '/'), el('td', {}, w.message)))));
}

async function openEvent(id) {
  const entry = events.get(id);
  select(entry && entry.tr);
  try {
    const d = await getJson(`/__mock/events/${id}/detail`);
    const r = d.summary;
    $('detail-title').textContent = `Event #${r.id} · ${r.event_type || 'no event_type'}`;
    const others = d.same_event_id.filter((x) => x !== r.id);
    const dupNode = others.length
      ? el('span', {}, ...others.flatMap((x) => [el('button', { type: 'button', class: 'link', onclick: () => openEvent(x) }, `#${x}`), ' ']))
      : null;
    const nodes = [
      dl([
        ['received', r.received_at],
        ['path', r.path],
        ['user id', r.user_id],
        ['anonymous id', r.anonymous_id],
        ['event id', r.event_id],
        ['verdict', r.verdict],
        ['same event id', dupNode],
      ]),
      el('h3', {}, 'Strict-mode findings'),
      findingsTable(r.findings),
      el('h3', {}, 'Body as received'),
      pre(prettyJson(d.body), 'body'),
      el('h3', {}, 'Stored event (enriched)'),
      pre(prettyJson(d.event_text), 'stored'),
    ];
    if (d.request) nodes.push(...requestSection(d.request));
    $('detail-content').replaceChildren(...nodes);
    $('detail').hidden = false;
  } catch (e) {
    showError(String(e));
  }
}

async function openRequest(id) {
  const entry = requests.get(id);
  select(entry && entry.tr);
  try {
    const r = await getJson(`/__mock/requests/${id}`);
    $('detail-title').textContent = `Request #${r.id} · ${r.outcome}`;
    const nodes = requestSection(r).slice(1);
    // A strict-mode rejection lists its findings (with JSON pointers) in the response body.
    let problems = null;
    try { problems = JSON.parse(r.response_body).payload.problems; } catch (_) { /* none */ }
    if (Array.isArray(problems)) {
      nodes.unshift(el('h3', {}, 'Strict-mode findings (rejected)'), findingsTable(problems.map((p) => ({ ...p, path: `event[${p.index}]${p.path}` }))));
    }
    if (r.event_ids && r.event_ids.length) {
      nodes.unshift(el('p', {}, 'Stored events: ', ...r.event_ids.flatMap((x) => [el('button', { type: 'button', class: 'link', onclick: () => openEvent(x) }, `#${x}`), ' '])));
    }
    $('detail-content').replaceChildren(...nodes);
    $('detail').hidden = false;
  } catch (e) {
    showError(String(e));
  }
}

// ---- filters and the live stream ------------------------------------------------------------

function filterQuery() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData($('filters'))) if (String(v).trim() !== '') params.set(k, String(v).trim());
  return params.toString();
}

let source = null;

function connect() {
  if (source) source.close();
  held.length = 0;
  overflowed = false;
  const query = filterQuery();
  source = new EventSource(`/__mock/stream${query ? `?${query}` : ''}`);
  const conn = $('conn');
  source.addEventListener('open', () => {
    conn.dataset.state = 'live';
    conn.textContent = 'live';
  });
  source.addEventListener('error', () => {
    conn.dataset.state = 'reconnecting';
    conn.textContent = 'reconnecting…';
  });
  source.addEventListener('tick', (msg) => {
    const m = JSON.parse(msg.data);
    if (paused) {
      if (m.reset) held.length = 0;
      // Paused through a flood: hold no more; resuming starts from a fresh first screen.
      if (held.length < 200) held.push(m);
      else overflowed = true;
      $('pause-state').textContent = `${held.reduce((n, x) => n + (x.events || []).length, 0)} new`;
      return;
    }
    applyTick(m);
  });
}

function applyTick(m) {
  if (m.reset) {
    clearEvents();
    clearRequests();
  }
  addEvents(m.events || [], !m.reset);
  addRequests(m.requests || [], !m.reset);
  if (m.skipped_events) showError(`${m.skipped_events} events arrived too fast to list; filter or reload to see them`);
  showStatus(m.status);
}

// Pause: messages are held (the stream stays connected) and applied in order on resume.
let paused = false;
let overflowed = false;
const held = [];
$('pause').addEventListener('change', () => {
  paused = $('pause').checked;
  if (paused) return;
  $('pause-state').textContent = '';
  if (overflowed) {
    overflowed = false;
    connect();
  } else {
    for (const m of held.splice(0)) applyTick(m);
  }
});

let filterTimer = null;
$('filters').addEventListener('input', () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => {
    // The filters live in the address too, so a filtered view can be reloaded or shared.
    const query = filterQuery();
    history.replaceState(null, '', query ? `?${query}` : location.pathname);
    connect();
  }, 250);
});

/** Filters from the address (`/__mock/?event_type=signed_up`); the server used them already. */
function filtersFromAddress() {
  const params = new URLSearchParams(location.search);
  for (const input of $('filters').elements) {
    if (input.name && params.has(input.name)) input.value = params.get(input.name);
  }
}
$('filters').addEventListener('submit', (e) => e.preventDefault());

// ---- start ----------------------------------------------------------------------------------

filtersFromAddress();
// The first screen comes inside the page, so stored events show before the stream connects.
const first = JSON.parse($('first-screen').textContent);
addEvents(first.events || [], false);
addRequests(first.requests || [], false);
showStatus(first.status);
$('fault-value').disabled = false;
connect();
