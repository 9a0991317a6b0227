// app.js — the talentflow page: a form for a person and a trip, and the answers of the
// service's API (/v1/check, /v1/assess, /v1/pathway, /v1/diff) with their reasons.
//
// Plain modern JavaScript, no framework: the page is small, and everything it shows is
// built with DOM calls (textContent, never innerHTML with data), so nothing the server
// returns can run as code. The page decides nothing: it sends the case document
// (PROFILE.md) and shows what the API answers.

const $ = (sel) => document.querySelector(sel);

/** h(tag, attrs, ...children): an element; strings become text nodes. */
function h(tag, attrs, ...children) {
  const el = tag === 'svg' || SVG_TAGS.has(tag)
    ? document.createElementNS('http://www.w3.org/2000/svg', tag)
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k === 'style') el.style.cssText = v; // CSSOM: allowed by the page's CSP
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const SVG_TAGS = new Set(['g', 'rect', 'line', 'text', 'title', 'desc', 'path', 'circle']);

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  let data = null;
  try { data = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) {
    const msg = data && data.error ? data.error.message : `HTTP ${res.status}`;
    const err = new Error(msg);
    err.status = res.status;
    throw err;
  }
  return data;
}

const countryNames = new Map();
const name = (code) => (code && countryNames.has(code) ? `${countryNames.get(code)} (${code})` : code || '');

function fillCountries(select, codes, { selected, optional } = {}) {
  select.replaceChildren();
  if (optional) select.append(h('option', { value: '' }, '—'));
  for (const code of codes) {
    select.append(h('option', { value: code, selected: code === selected }, name(code)));
  }
}

// ---- start-up: countries, rulebooks, what changed ------------------------------------------

async function start() {
  const [countries, catalog] = await Promise.all([
    api('GET', 'v1/countries'),
    api('GET', 'v1/rulebooks?changes=false&sources=false'),
  ]);
  const byName = countries.countries.slice().sort((a, b) => a.name.localeCompare(b.name));
  for (const c of countries.countries) countryNames.set(c.code, c.name);
  const codes = byName.map((c) => c.code);
  fillCountries($('#nationality'), codes, { selected: 'FR' });
  fillCountries($('#from'), codes, { optional: true });
  fillCountries($('#onward'), codes, { optional: true });
  fillCountries($('#residence-country'), codes, { selected: 'CA', optional: true });
  const dests = [...new Set(catalog.rulebooks.filter((b) => b.kind === 'entry' && b.destination)
    .map((b) => b.destination))];
  dests.sort((a, b) => (countryNames.get(a) || a).localeCompare(countryNames.get(b) || b));
  fillCountries($('#destination'), dests, { selected: 'CN' });
  const counts = catalog.rulebooks.reduce((m, b) => ((m[b.kind] = (m[b.kind] || 0) + 1), m), {});
  $('#rules-meta').textContent = `Rule set ${catalog.version}: ${catalog.count} rulebooks ` +
    `(${counts.entry || 0} for entry, ${counts.points || 0} points schemes, ${counts.pathway || 0} residence routes), loaded ${catalog.loaded_at}.`;
  addAbsence('2014-07-01', '2014-07-15');
  addAbsence('2018-12-20', '2019-01-10');
  loadChanges().catch((e) => showError($('#change-list'), e));
}

// ---- the form --------------------------------------------------------------------------

let absenceCount = 0;
function addAbsence(left = '', returned = '') {
  const n = ++absenceCount;
  const li = h('li', {},
    h('div', { class: 'row' },
      h('label', {}, 'Left on', h('input', { type: 'date', class: 'abs-left', value: left, 'aria-label': `Absence ${n}: left on` })),
      h('label', {}, 'Came back on', h('input', { type: 'date', class: 'abs-returned', value: returned, 'aria-label': `Absence ${n}: came back on` })),
      h('button', { type: 'button', class: 'remove', 'aria-label': `Remove absence ${n}`,
        onclick: () => { li.remove(); $('#add-absence').focus(); } }, 'Remove')));
  $('#absence-list').append(li);
}

const num = (sel) => { const v = $(sel).value; return v === '' ? null : Number(v); };
const val = (sel) => $(sel).value.trim();

/** The case document (PROFILE.md) of the form. */
function buildCase() {
  const nat = val('#nationality');
  const c = { nationality: nat, document: val('#document') };
  if (val('#birth-date')) c.birth_date = val('#birth-date');
  c.education = val('#education');
  const clb = num('#english-clb');
  if (clb !== null) c.languages = { en: { clb: [clb, clb, clb, clb] } };
  const years = num('#work-years');
  if (years) c.work = [{ country: nat, years }];
  if (num('#salary-cny') !== null) c.CN = { salary_cny: num('#salary-cny') };
  if (num('#salary-gbp') !== null) c.GB = { salary_gbp: num('#salary-gbp') };
  if (num('#salary-jpy') !== null) c.JP = { salary_jpy: num('#salary-jpy') };
  const trip = { to: val('#destination'), purpose: val('#purpose'), entry_date: val('#entry-date'), days: num('#days') };
  if (val('#entry-port')) trip.entry_port = val('#entry-port').toUpperCase();
  if (val('#from')) trip.from = val('#from');
  if (val('#onward')) trip.onward = val('#onward');
  c.trip = trip;
  const statuses = [];
  if (val('#temporary-from')) statuses.push({ status: 'temporary', from: val('#temporary-from') });
  if (val('#permanent-from')) statuses.push({ status: 'permanent', from: val('#permanent-from') });
  const absences = [...document.querySelectorAll('#absence-list li')]
    .map((li) => ({ left: li.querySelector('.abs-left').value, returned: li.querySelector('.abs-returned').value }))
    .filter((a) => a.left && a.returned);
  if (val('#residence-country') && statuses.length) {
    c.residence = { country: val('#residence-country'), statuses, absences };
  }
  return c;
}

function showError(section, err) {
  section.querySelector('.placeholder, .error, .content')?.remove();
  section.append(h('p', { class: 'error content', role: 'alert' }, err.message || String(err)));
}

function setContent(section, node) {
  section.querySelector('.placeholder, .error, .content')?.remove();
  node.classList.add('content');
  section.append(node);
}

async function decide(event) {
  event.preventDefault();
  const formError = $('#form-error');
  formError.hidden = true;
  if (!val('#entry-date') || !num('#days')) {
    formError.textContent = 'Give the entry date and the number of days of the trip.';
    formError.hidden = false;
    return;
  }
  const button = $('#decide');
  button.disabled = true;
  button.textContent = 'Deciding…';
  const c = buildCase();
  const asOf = val('#as-of');
  const q = asOf ? `?as_of=${encodeURIComponent(asOf)}` : '';
  const sections = ['#decision', '#points', '#pathways'].map((s) => $(s));
  sections.forEach((s) => s.setAttribute('aria-busy', 'true'));
  const jobs = [
    api('POST', `v1/check${q}`, c).then((d) => setContent($('#decision'), renderDecision(d)),
      (e) => showError($('#decision'), e)),
    api('POST', `v1/assess${q}`, c).then((d) => setContent($('#points'), renderPoints(d)),
      (e) => showError($('#points'), e)),
    c.residence
      ? api('POST', `v1/pathway${q}`, c).then((d) => setContent($('#pathways'), renderPathways(d, c)),
        (e) => showError($('#pathways'), e))
      : Promise.resolve(setContent($('#pathways'), h('p', {}, 'No residence history given.'))),
  ];
  await Promise.all(jobs);
  sections.forEach((s) => s.setAttribute('aria-busy', 'false'));
  button.disabled = false;
  button.textContent = 'Decide';
  $('#results').focus();
}

// ---- the entry decision --------------------------------------------------------------------

const OUTCOME_WORDS = {
  visa_free: ['Visa-free', 'good'],
  transit_visa_free: ['Visa-free transit', 'good'],
  visa_on_arrival: ['Visa on arrival', 'warn'],
  eta: ['Electronic travel authorisation', 'warn'],
  e_visa: ['E-visa', 'warn'],
  visa_required: ['Visa required', 'bad'],
  no_admission: ['No admission', 'bad'],
};

const stay = (s) => (!s ? '' : s.days !== undefined ? `${s.days} days` : `${s.hours} hours`);

function citation(cit, id) {
  if (!cit) return null;
  return h('p', { class: 'citation' }, 'Source: ',
    cit.url ? h('a', { href: cit.url, rel: 'noopener noreferrer', target: '_blank' }, cit.title) : cit.title,
    ` (${cit.date}${id ? `, ${id}` : ''})`);
}

function renderDecision(d) {
  const [words, tone] = OUTCOME_WORDS[d.outcome] || [d.outcome, 'warn'];
  const facts = h('dl', { class: 'facts' });
  const fact = (k, v) => { if (v) facts.append(h('dt', {}, k), h('dd', {}, v)); };
  fact('Rule', d.regime ? `${d.title || ''} (${d.regime})` : 'none admits this trip');
  fact('Stay up to', stay(d.max_stay));
  fact('Leave by', d.latest_departure);
  if (d.limit) fact('Limit', `${stay(d.limit.stay)} in ${stay(d.limit.in)}`);
  fact('Stay area', d.stay_area);
  fact('As of', d.as_of);
  fact('Rulebook', `${d.rulebook}, rule set ${d.version}`);
  if (d.precedence) fact('Precedence', d.precedence.why);
  const reasons = h('ul', { class: 'reasons', 'aria-label': 'Reasons' },
    d.reasons.map((r) => h('li', { class: r.holds ? 'holds' : 'fails' },
      h('div', {}, h('span', { class: 'mark', 'aria-hidden': 'true' }, r.holds ? '✓' : '✗'),
        h('strong', {}, r.holds ? 'Holds: ' : (r.unknown ? 'Unknown: ' : 'Fails: ')), h('code', {}, r.clause),
        r.rule && d.regime !== r.rule ? h('span', { class: 'at' }, ` — ${r.rule}`) : null),
      r.because ? h('p', { class: 'because' }, r.because) : null,
      r.missing ? h('p', { class: 'because' }, `Missing from the case: ${r.missing}`) : null,
      citation(r.citation, r.source),
      h('p', { class: 'at' }, `at ${r.at}`))));
  const others = d.applies && d.applies.length
    ? h('div', {}, h('h3', {}, 'Other rules that admit this trip'),
      h('ul', {}, d.applies.map((a) => h('li', {}, `${a.title} (${a.regime}): ${OUTCOME_WORDS[a.outcome]?.[0] || a.outcome}`,
        a.max_stay ? `, up to ${stay(a.max_stay)}` : '', a.latest_departure ? `, leave by ${a.latest_departure}` : ''))))
    : null;
  return h('div', {},
    h('p', {}, h('span', { class: `outcome ${tone}`, id: 'outcome', 'data-outcome': d.outcome }, words),
      ' ', h('code', {}, d.outcome)),
    facts, others,
    h('h3', {}, d.regime ? 'Why: the clauses of the deciding rule' : 'Why not: the clauses that failed'),
    reasons);
}

// ---- points ------------------------------------------------------------------------------------

function renderPoints(data) {
  const list = data.assessments || [data];
  return h('div', { class: 'schemes' }, list.map((a) => {
    if (a.error) {
      return h('article', { class: 'scheme' }, h('h3', {}, a.scheme), h('p', { class: 'error' }, a.error.message));
    }
    const status = [];
    if (a.category) status.push(h('span', { class: 'badge neutral' }, `Category ${a.category}`));
    if (a.passes === true) status.push(h('span', { class: 'badge good' }, 'Passes'));
    if (a.passes === false) status.push(h('span', { class: 'badge bad' }, 'Does not pass'));
    const rows = a.factors.map((f) => h('tr', { class: f.group ? 'group' : null },
      h('td', {}, f.in ? '  ' : '', f.title || f.id), h('td', { class: 'num' }, String(f.points))));
    const next = (a.next || []).slice(0, 5).map((n) => h('li', {}, `${n.change}: +${n.gain}`,
      n.reaches ? ' (reaches the next tier)' : ''));
    const ahead = (a.ahead || []).slice(0, 3).map((x) => h('li', {}, `${x.date}: ${x.what || ''} (${x.change > 0 ? '+' : ''}${x.change ?? ''})`));
    return h('article', { class: 'scheme', 'aria-labelledby': `scheme-${a.scheme}` },
      h('h3', { id: `scheme-${a.scheme}` }, a.title || a.scheme),
      h('div', { class: 'id' }, a.scheme, ', as of ', a.as_of),
      h('p', { class: 'total' }, String(a.total), h('span', { class: 'id' }, ' points')),
      h('p', {}, status.length ? status : h('span', { class: 'badge neutral' }, 'No pass mark or category')),
      h('table', {}, h('caption', { class: 'id' }, 'Points by factor'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Factor'), h('th', { scope: 'col', class: 'num' }, 'Points'))),
        h('tbody', {}, rows)),
      next.length ? h('div', {}, h('h4', {}, a.next_tier !== undefined && a.next_tier !== null ? `To the next tier (${typeof a.next_tier === 'object' ? JSON.stringify(a.next_tier) : a.next_tier})` : 'To the next tier'),
        h('ul', { class: 'next' }, next)) : null,
      ahead.length ? h('div', {}, h('h4', {}, 'Dated changes ahead'), h('ul', { class: 'next' }, ahead)) : null);
  }));
}

// ---- residence: the timeline -------------------------------------------------------------

const day = (s) => Date.parse(`${s}T00:00:00Z`) / 86400000;
const iso = (d) => new Date(d * 86400000).toISOString().slice(0, 10);

function renderPathways(data, c) {
  const list = (data.pathways || [data]).filter((p) => !p.error);
  const failed = (data.pathways || []).filter((p) => p.error);
  const res = c.residence;
  const asOf = day(data.as_of);
  const dates = [asOf, ...res.statuses.map((s) => day(s.from)), ...res.absences.flatMap((a) => [day(a.left), day(a.returned)]),
    ...list.filter((p) => p.earliest_date).map((p) => day(p.earliest_date))];
  const t0 = Math.min(...dates) - 180, t1 = Math.max(...dates) + 180;
  const W = 960, left = 20, right = 20, rowH = 22;
  const x = (d) => left + ((d - t0) / (t1 - t0)) * (W - left - right);
  const H = 90 + list.length * rowH + 30;
  const svg = h('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'tl-title tl-desc' },
    h('title', { id: 'tl-title' }, 'Residence timeline'),
    h('desc', { id: 'tl-desc' }, `Statuses and ${res.absences.length} absences from ${iso(t0)} to ${iso(t1)}, with each route's earliest eligibility date. The table below gives the same facts.`));
  // statuses: a band from each status's start to the next one's
  const st = res.statuses.slice().sort((a, b) => day(a.from) - day(b.from));
  st.forEach((s, i) => {
    const a = day(s.from), b = i + 1 < st.length ? day(st[i + 1].from) : t1;
    svg.append(h('rect', { x: x(a), y: 30, width: Math.max(1, x(b) - x(a)), height: 26, fill: s.status === 'permanent' ? '#9ecae1' : '#deebf7', stroke: '#08519c' },
      h('title', {}, `${s.status} from ${s.from}`)),
    h('text', { x: x(a) + 4, y: 47, 'font-size': 12, fill: '#08306b' }, s.status));
  });
  for (const ab of res.absences) {
    const a = day(ab.left), b = day(ab.returned);
    svg.append(h('rect', { x: x(a), y: 26, width: Math.max(3, x(b) - x(a)), height: 34, fill: '#a3161b' },
      h('title', {}, `absent ${ab.left} to ${ab.returned} (${b - a} days)`)));
  }
  // the axis: years
  svg.append(h('line', { x1: left, x2: W - right, y1: 66, y2: 66, stroke: '#1a1a1a', 'stroke-width': 2 }));
  const y0 = new Date(t0 * 86400000).getUTCFullYear(), y1 = new Date(t1 * 86400000).getUTCFullYear();
  const step = Math.max(1, Math.ceil((y1 - y0) / 12));
  for (let y = y0 + 1; y <= y1; y += step) {
    const d = day(`${y}-01-01`);
    svg.append(h('line', { x1: x(d), x2: x(d), y1: 62, y2: 70, stroke: '#1a1a1a' }),
      h('text', { x: x(d), y: 84, 'font-size': 12, 'text-anchor': 'middle', fill: '#4a4a4a' }, String(y)));
  }
  // Labels right of their mark in the left half, left of it in the right half: never cut off.
  const label = (px, y, text, attrs = {}) => h('text', Object.assign({ x: px > W / 2 ? px - 8 : px + 8, y,
    'font-size': 12, 'text-anchor': px > W / 2 ? 'end' : 'start' }, attrs), text);
  svg.append(h('line', { x1: x(asOf), x2: x(asOf), y1: 20, y2: H - 10, stroke: '#1a1a1a', 'stroke-dasharray': '4 3' }),
    label(x(asOf), 16, `as of ${data.as_of}`));
  list.forEach((p, i) => {
    const y = 100 + i * rowH;
    if (!p.earliest_date) {
      svg.append(h('text', { x: left, y, 'font-size': 12, fill: '#4a4a4a' }, `${p.route}: not within 30 years`));
      return;
    }
    const d = day(p.earliest_date);
    svg.append(h('circle', { cx: x(d), cy: y - 4, r: 5, fill: p.eligible ? '#0b6b2f' : '#0b4f8a' },
      h('title', {}, `${p.route}: earliest ${p.earliest_date}`)),
    label(x(d), y, `${p.route}: ${p.earliest_date}${p.eligible ? ' (eligible now)' : ''}`));
  });
  const table = h('table', { class: 'routes' },
    h('caption', { class: 'sr' }, 'Routes and their earliest eligibility dates'),
    h('thead', {}, h('tr', {}, ['Route', 'Eligible as of ' + data.as_of, 'Days counted / required', 'Earliest date', 'Binding requirement']
      .map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, list.map((p) => h('tr', {},
      h('td', {}, p.title ? `${p.title} ` : '', h('code', {}, p.route)),
      h('td', {}, h('span', { class: `badge ${p.eligible ? 'good' : 'bad'}` }, p.eligible ? 'Eligible' : 'Not yet')),
      h('td', {}, p.counted_days !== null && p.counted_days !== undefined ? `${p.counted_days} / ${p.required_days ?? '—'}` : '—'),
      h('td', {}, p.earliest_date || 'not within 30 years'),
      h('td', {}, p.binding || '—')))));
  return h('div', { class: 'timeline' },
    h('div', { class: 'legend' },
      h('span', {}, h('span', { class: 'swatch', style: 'background:#deebf7' }), 'temporary resident'),
      h('span', {}, h('span', { class: 'swatch', style: 'background:#9ecae1' }), 'permanent resident'),
      h('span', {}, h('span', { class: 'swatch', style: 'background:#a3161b' }), 'absence'),
      h('span', {}, h('span', { class: 'swatch', style: 'background:#0b4f8a;border-radius:50%' }), 'earliest eligibility')),
    svg, table,
    failed.length ? h('ul', {}, failed.map((p) => h('li', { class: 'error' }, `${p.route}: ${p.error.message}`))) : null);
}

// ---- what changed: China's entry rules -----------------------------------------------------

let changeDates = [];
let changesByDate = new Map();

async function loadChanges() {
  const diff = await api('GET', 'v1/diff?from=2000-01-01&to=2030-12-31&rulebook=cn.entry');
  changesByDate = new Map();
  for (const ch of diff.changes) {
    if (!changesByDate.has(ch.date)) changesByDate.set(ch.date, []);
    changesByDate.get(ch.date).push(ch);
  }
  changeDates = [...changesByDate.keys()].sort();
  const slider = $('#change-slider');
  slider.max = String(Math.max(0, changeDates.length - 1));
  const today = new Date().toISOString().slice(0, 10);
  let start = changeDates.length - 1;
  while (start > 0 && changeDates[start] > today) start--;
  slider.value = String(start);
  slider.addEventListener('input', showChange);
  drawAxis();
  showChange();
}

function drawAxis() {
  const axis = $('#change-axis');
  axis.replaceChildren();
  if (!changeDates.length) return;
  const a = day(changeDates[0]) - 60, b = day(changeDates[changeDates.length - 1]) + 60;
  const pos = (d) => `${((day(d) - a) / (b - a)) * 100}%`;
  changeDates.forEach((d, i) => axis.append(h('span', { class: 'tick', style: `left:${pos(d)}`, 'data-i': i })));
  for (let y = Number(changeDates[0].slice(0, 4)) + 1; y <= Number(changeDates[changeDates.length - 1].slice(0, 4)); y++) {
    axis.append(h('span', { class: 'year', style: `left:${pos(`${y}-01-01`)}` }, String(y)));
  }
}

function describe(ch) {
  const list = (xs) => xs.map((m) => (m.length === 2 && countryNames.has(m) ? `${m} (${countryNames.get(m)})` : m)).join(', ');
  switch (ch.kind) {
    case 'rule_started': return [h('span', { class: 'kind' }, 'Rule started: '), `${ch.title || ''} (${ch.rule})`];
    case 'rule_ended': return [h('span', { class: 'kind' }, 'Rule ended: '), `${ch.title || ''} (${ch.rule})`];
    case 'set_changed': return [h('span', { class: 'kind' }, `Set ${ch.set}: `),
      ch.added.length ? h('div', { class: 'members' }, `added ${ch.added.length}: ${list(ch.added)}`) : null,
      ch.removed.length ? h('div', { class: 'members' }, `removed ${ch.removed.length}: ${list(ch.removed)}`) : null];
    case 'value_changed': return [h('span', { class: 'kind' }, `Value ${ch.value}: `), `${ch.before} → ${ch.after}`];
    default: return [ch.kind];
  }
}

function showChange() {
  const i = Number($('#change-slider').value);
  const d = changeDates[i];
  if (!d) return;
  $('#change-date').textContent = d;
  $('#change-slider').setAttribute('aria-valuetext', `${d}: change ${i + 1} of ${changeDates.length}`);
  document.querySelectorAll('#change-axis .tick').forEach((t) => t.classList.toggle('on', Number(t.dataset.i) === i));
  const items = changesByDate.get(d);
  $('#change-list').replaceChildren(
    h('h3', {}, `${d}: ${items.length} change${items.length === 1 ? '' : 's'} (date ${i + 1} of ${changeDates.length})`),
    ...items.map((ch) => h('div', { class: 'change' }, describe(ch))));
}

// ---- wiring ----------------------------------------------------------------------------

$('#case-form').addEventListener('submit', decide);
$('#add-absence').addEventListener('click', () => {
  addAbsence();
  document.querySelector('#absence-list li:last-child input')?.focus();
});
start().catch((e) => { $('#rules-meta').textContent = `Cannot reach the service: ${e.message}`; });
