// Loa agreement report page: no framework, no build. Every value reaches the page through
// textContent or attributes set with DOM APIs, never as HTML.

import { REPORT_LABELS as LABELS } from './labels.js';
import { $, el, LANG_KEY, savedLang, TOKEN_KEY } from './page.js';

const COUNTS = [
  'routed',
  'delivered',
  'failed',
  'discarded',
  'open',
  'corrections',
  'withdrawals',
  'firstPulls',
  'downloads',
];
const SVG = 'http://www.w3.org/2000/svg';
let lang = savedLang();
let current;

const t = (key) => LABELS[lang][key] ?? key;

function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

const num = (n) => (typeof n === 'number' ? n.toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB') : '');
const duration = (ms) => (ms === null ? '–' : ms < 10_000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

function applyLabels() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  $('lang-toggle').textContent = lang === 'vi' ? 'EN' : 'VI';
  document.title = `Loa — ${t('title')}`;
}

async function api(path) {
  const token = sessionStorage.getItem(TOKEN_KEY) ?? '';
  const res = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  if (res.status === 401) throw new Error(t('badToken'));
  if (!res.ok) {
    const text = await res.text();
    let message = text;
    try {
      const body = JSON.parse(text);
      message = body.detail ?? body.error ?? body.title ?? text;
    } catch {}
    throw new Error(message || `HTTP ${res.status}`);
  }
  return res;
}

function table(node, header, rows, cellAttrs) {
  node.replaceChildren();
  const thead = el('thead');
  const tr = el('tr');
  for (const h of header) tr.append(el('th', h));
  thead.append(tr);
  const tbody = el('tbody');
  rows.forEach((row, r) => {
    const line = el('tr');
    row.forEach((v, c) => {
      line.append(el('td', typeof v === 'number' ? num(v) : v, cellAttrs?.(r, c) ?? {}));
    });
    tbody.append(line);
  });
  node.append(thead, tbody);
}

function monthsOf(from, to) {
  const out = [];
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  while (`${y}-${String(m).padStart(2, '0')}` <= to.slice(0, 7)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}

/** Topics × months: one cell per pair, its shade the delivered count (heat map). */
function topicMonthChart(r) {
  const months = monthsOf(r.period.from, r.period.to);
  const topics = r.byTopic.map((x) => x.topic);
  const counts = new Map();
  for (const row of r.rows) {
    const key = `${row.topic}|${row.month}`;
    counts.set(key, (counts.get(key) ?? 0) + row.delivered);
  }
  const max = Math.max(1, ...counts.values());
  // Cells widen when the period is short, so a year reads as well as a five-year term.
  const cw = Math.max(10, Math.min(40, Math.floor(720 / months.length)));
  const ch = 18;
  const left = 170;
  const top = 16;
  const svg = svgEl('svg', {
    id: 'topic-months',
    class: 'report-chart',
    width: left + months.length * cw + 10,
    height: top + topics.length * ch + 24,
    role: 'img',
    'aria-label': t('topicMonths'),
  });
  topics.forEach((topic, i) => {
    svg.append(svgEl('text', { x: 0, y: top + i * ch + 13 }, topic));
    months.forEach((month, j) => {
      const n = counts.get(`${topic}|${month}`) ?? 0;
      const cell = svgEl('rect', {
        class: 'cell',
        x: left + j * cw,
        y: top + i * ch,
        width: cw,
        height: ch,
        fill: n === 0 ? '#eee' : `rgba(27, 127, 59, ${0.2 + (0.8 * n) / max})`,
        'data-topic': topic,
        'data-month': month,
        'data-count': n,
      });
      cell.append(svgEl('title', {}, `${topic} · ${month}: ${t('delivered')} ${n}`));
      svg.append(cell);
    });
  });
  months.forEach((month, j) => {
    if (month.endsWith('-01') || j === 0)
      svg.append(svgEl('text', { x: left + j * cw, y: top + topics.length * ch + 14 }, month.slice(0, 4)));
  });
  return svg;
}

/** Per month: feed items delivered, first pulls and downloads, side by side. */
function pickupChart(r) {
  const months = monthsOf(r.period.from, r.period.to);
  const per = new Map(months.map((m) => [m, { fed: 0, pulled: 0, downloads: 0 }]));
  for (const row of r.rows) {
    const m = per.get(row.month);
    if (!m) continue;
    if (row.channel === 'feed') m.fed += row.delivered;
    m.pulled += row.firstPulls;
    m.downloads += row.downloads;
  }
  const series = [
    ['delivered', 'fed', 'feedDelivered'],
    ['pulled', 'pulled', 'firstPulls'],
    ['downloads', 'downloads', 'downloads'],
  ];
  const max = Math.max(1, ...[...per.values()].flatMap((v) => [v.fed, v.pulled, v.downloads]));
  const bw = Math.max(3, Math.min(12, Math.floor(720 / months.length / 4)));
  const gw = bw * 3 + 3;
  const h = 90;
  const svg = svgEl('svg', {
    id: 'pickup',
    class: 'report-chart',
    width: months.length * gw + 160,
    height: h + 30,
    role: 'img',
    'aria-label': t('pickup'),
  });
  months.forEach((month, j) => {
    const v = per.get(month);
    series.forEach(([cls, key, label], s) => {
      const height = Math.round((v[key] / max) * h);
      const bar = svgEl('rect', {
        class: cls,
        x: j * gw + s * bw,
        y: h - height,
        width: bw,
        height,
        'data-month': month,
        'data-series': key,
        'data-count': v[key],
      });
      bar.append(svgEl('title', {}, `${month}: ${t(label)} ${v[key]}`));
      svg.append(bar);
    });
  });
  series.forEach(([cls, , label], s) => {
    const x = months.length * gw + 10;
    svg.append(svgEl('rect', { class: cls, x, y: 10 + s * 16, width: 10, height: 10 }));
    svg.append(svgEl('text', { class: 'legend', x: x + 14, y: 19 + s * 16 }, t(label)));
  });
  return svg;
}

function render(r) {
  current = r;
  $('r-partner').textContent = r.agreement.partner.name;
  $('r-agreement').textContent = r.agreement.agreementId;
  $('r-term').textContent = `${r.agreement.validFrom} → ${r.agreement.validTo}`;
  $('r-period').textContent = `${r.period.from} → ${r.period.to}`;
  $('r-latency').textContent =
    `${duration(r.latency.medianMs)} / ${duration(r.latency.p95Ms)} (${num(r.latency.samples)})`;
  table($('r-totals'), COUNTS.map(t), [COUNTS.map((k) => r.totals[k])]);
  $('chart-topics').replaceChildren(topicMonthChart(r));
  $('chart-pickup').replaceChildren(pickupChart(r));
  table(
    $('r-topics'),
    [t('topic'), ...COUNTS.map(t)],
    r.byTopic.map((x) => [x.topic, ...COUNTS.map((k) => x[k])]),
  );
  const periods = r.commitments.flatMap((c) => c.periods.map((p) => ({ c, p })));
  const states = { met: 'met', short: 'short', open: 'pending' };
  table(
    $('r-commitments'),
    [t('topic'), t('target'), t('period'), t('count'), t('state'), t('shortfall')],
    periods.map(({ c, p }) => [
      c.topic,
      `≥ ${c.atLeast} / ${t('per')[c.per]}`,
      p.period,
      p.count,
      t(states[p.state]),
      p.shortfall,
    ]),
    (r2, c2) => (c2 === 4 ? { 'data-state': periods[r2].p.state } : {}),
  );
  table(
    $('r-notsent'),
    [t('reason'), t('count')],
    r.notSent.byReason.length ? r.notSent.byReason.map((x) => [x.reason, x.count]) : [[t('none'), 0]],
  );
  $('r-generated').textContent =
    `${t('generated')}: ${new Date(r.generatedAt).toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB')}`;
  $('report').hidden = false;
  document.body.setAttribute('data-report', r.agreement.agreementId);
}

function query(format) {
  const q = new URLSearchParams();
  if ($('from').value) q.set('from', $('from').value);
  if ($('to').value) q.set('to', $('to').value);
  if (format) q.set('format', format);
  const s = q.toString();
  return `/ops/agreements/${encodeURIComponent($('agreement').value)}/report${s ? `?${s}` : ''}`;
}

function useToken() {
  const typed = $('token').value.trim();
  if (typed) sessionStorage.setItem(TOKEN_KEY, typed);
}

async function loadAgreements() {
  const { items } = await (await api('/ops/agreements')).json();
  const wanted = new URLSearchParams(location.search).get('agreement');
  $('agreement').replaceChildren(
    ...items.map((a) => el('option', `${a.partner.name} — ${a.agreementId}`, { value: a.agreementId })),
  );
  if (wanted && items.some((a) => a.agreementId === wanted)) $('agreement').value = wanted;
}

let history = [];

function renderHistory() {
  const when = (iso) => new Date(iso).toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB');
  table(
    $('r-history'),
    [t('when'), t('who'), t('action'), t('changed')],
    history.map((c) => [when(c.at), c.by, c.action, c.fields.join(', ')]),
  );
}

async function loadExpiring() {
  const { items } = await (await api('/ops/reports/expiring?days=30')).json();
  $('expiring').hidden = items.length === 0;
  $('expiring').textContent =
    `${t('expiring')}: ${items.map((a) => `${a.partner.name} (${a.agreementId}, ${a.validTo})`).join('; ')}`;
}

async function show() {
  $('error').textContent = '';
  useToken();
  if ($('agreement').options.length === 0) await loadAgreements();
  const id = encodeURIComponent($('agreement').value);
  const [report, changes] = await Promise.all([api(query()), api(`/ops/agreements/${id}/history?limit=20`)]);
  history = (await changes.json()).items;
  render(await report.json());
  renderHistory();
  await loadExpiring();
}

async function download(format) {
  useToken();
  const blob = await (await api(query(format))).blob();
  const a = el('a', undefined, {
    href: URL.createObjectURL(blob),
    download: `${$('agreement').value}.${format}`,
  });
  document.body.append(a);
  a.click();
  a.remove();
}

function start() {
  applyLabels();
  const fail = (e) => {
    $('error').textContent = e.message;
  };
  $('lang-toggle').addEventListener('click', () => {
    lang = lang === 'vi' ? 'en' : 'vi';
    localStorage.setItem(LANG_KEY, lang);
    applyLabels();
    if (current) {
      render(current);
      renderHistory();
      loadExpiring().catch(fail);
    }
  });
  $('print').addEventListener('click', () => window.print());
  $('query').addEventListener('submit', (event) => {
    event.preventDefault();
    show().catch(fail);
  });
  for (const id of ['csv', 'xlsx']) $(id).addEventListener('click', () => download(id).catch(fail));
  const params = new URLSearchParams(location.search);
  if (params.get('from')) $('from').value = params.get('from');
  if (params.get('to')) $('to').value = params.get('to');
  if (sessionStorage.getItem(TOKEN_KEY))
    loadAgreements()
      .then(() => (params.get('agreement') ? show() : undefined))
      .catch(fail);
}

start();
