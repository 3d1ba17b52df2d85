// Loa operations dashboard: no framework, no build, no CDN. Every piece of data reaches the page
// through textContent or attributes set with DOM APIs, never as HTML.

import { CHANNEL_NAMES, DASHBOARD_LABELS as LABELS } from './labels.js';
import { $, el, LANG_KEY, savedLang, TOKEN_KEY } from './page.js';

let lang = savedLang();

const t = (key) => LABELS[lang][key] ?? key;

function badge(value) {
  return el('span', t(value), { class: 'badge', 'data-value': value });
}

function time(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB');
}

function applyLabels() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  $('lang-toggle').textContent = lang === 'vi' ? 'EN' : 'VI';
  document.title = t('title');
}

class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail ?? body?.error ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(method, path, body) {
  const headers = { authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
  } catch {
    throw new ApiError(0, { error: t('unreachable') });
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = { error: text };
  }
  if (res.status === 401 || res.status === 403) {
    signOut(t('badToken'));
    throw new ApiError(res.status, json);
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

function showError(message) {
  $('app-error').textContent = message ?? '';
}

// ---------- health ----------

/** One channel as a chip: its kind, then the network (social) or target (broadcast) it goes to. */
function channelChip(c) {
  const where = c.network ?? c.target;
  const text = where
    ? `${t(`channel.${c.type}`)} · ${CHANNEL_NAMES[where] ?? where}`
    : t(`channel.${c.type}`);
  const attrs = {
    class: 'channel',
    'data-channel-id': c.channelId,
    'data-channel-type': c.type,
    title: c.channelId,
  };
  if (c.network) attrs['data-network'] = c.network;
  if (c.target) attrs['data-target'] = c.target;
  if (c.circuit === 'paused') {
    // Failing for days: nothing is sent until an operator resumes it or a probe succeeds.
    attrs['data-circuit'] = 'paused';
    const chip = el('span', `${text} · `, attrs);
    chip.append(el('span', t('paused'), { class: 'badge', 'data-value': 'paused', 'data-i18n': 'paused' }));
    return chip;
  }
  return el('span', text, attrs);
}

/** A small stacked bar chart of one agreement's buckets (delivered, retrying, failed). */
function chart(buckets) {
  const ns = 'http://www.w3.org/2000/svg';
  const width = 4;
  const height = 24;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('width', String(buckets.length * (width + 1)));
  svg.setAttribute('height', String(height));
  svg.setAttribute('role', 'img');
  const max = Math.max(1, ...buckets.map((b) => b.delivered + b.retrying + b.failed));
  // The whole window as a faint band, so an hour without deliveries reads as one.
  const band = document.createElementNS(ns, 'rect');
  band.setAttribute('class', 'band');
  band.setAttribute('width', String(buckets.length * (width + 1)));
  band.setAttribute('height', String(height));
  svg.append(band);
  buckets.forEach((b, i) => {
    let y = height;
    for (const status of ['delivered', 'retrying', 'failed']) {
      const h = Math.round((b[status] / max) * height);
      if (h === 0) continue;
      y -= h;
      const rect = document.createElementNS(ns, 'rect');
      rect.setAttribute('class', status);
      rect.setAttribute('x', String(i * (width + 1)));
      rect.setAttribute('y', String(y));
      rect.setAttribute('width', String(width));
      rect.setAttribute('height', String(h));
      const title = document.createElementNS(ns, 'title');
      title.textContent = `${time(b.at)}: ${t(status)} ${b[status]}`;
      rect.append(title);
      svg.append(rect);
    }
  });
  return svg;
}

async function loadHealth() {
  const data = await api('GET', '/ops/health?hours=24');
  const body = $('health-table').tBodies[0];
  body.replaceChildren();
  const select = $('failed-agreement');
  const chosen = select.value;
  select.replaceChildren(el('option', t('all'), { value: '', 'data-i18n': 'all' }));
  for (const row of data.items) {
    const tr = el('tr', undefined, { 'data-agreement-id': row.agreementId, 'data-health': row.health });
    const partner = el('td');
    partner.append(
      el('div', row.partner.name, { class: 'title' }),
      el('div', row.partner.partnerId, { class: 'sub' }),
    );
    const agreement = el('td');
    agreement.append(el('div', row.agreementId), badge(row.status));
    const channels = el('td', undefined, { class: 'channels' });
    channels.append(...(row.channels ?? []).map(channelChip));
    const state = el('td');
    state.append(badge(row.health));
    const failed = el('td', undefined, { class: 'num' });
    const failedLink = el('button', row.counts.failed, { type: 'button', class: 'link' });
    failedLink.addEventListener('click', () => {
      select.value = row.agreementId;
      loadFailed().catch((e) => showError(e.message));
    });
    failed.append(failedLink);
    const chartCell = el('td');
    chartCell.append(chart(row.buckets));
    tr.append(
      partner,
      agreement,
      channels,
      state,
      el('td', row.counts.delivered, { class: 'num' }),
      el('td', row.counts.retrying, { class: 'num' }),
      el('td', row.counts.held ?? 0, { class: 'num' }),
      failed,
      chartCell,
    );
    body.append(tr);
    select.append(el('option', `${row.partner.name} (${row.agreementId})`, { value: row.agreementId }));
  }
  select.value = chosen;
}

// ---------- failed deliveries ----------

async function watchReplay(deliveryId, statusCell, errorCell, button) {
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const d = await api('GET', `/ops/deliveries/${encodeURIComponent(deliveryId)}`);
    if (d.status === 'delivered' || d.status === 'failed' || d.status === 'discarded') {
      statusCell.replaceChildren(badge(d.status));
      statusCell.closest('tr')?.setAttribute('data-status', d.status);
      errorCell.textContent = d.lastError ?? '';
      if (d.status !== 'delivered') button.disabled = false;
      loadAudit().catch(() => undefined);
      loadHealth().catch(() => undefined);
      return;
    }
  }
}

async function replay(d, statusCell, errorCell, button) {
  button.disabled = true;
  statusCell.replaceChildren(badge('pending'));
  statusCell.lastChild.textContent = t('replaying');
  try {
    await api('POST', `/ops/deliveries/${encodeURIComponent(d.deliveryId)}/replay`);
    await watchReplay(d.deliveryId, statusCell, errorCell, button);
  } catch (error) {
    errorCell.textContent = error.message;
    statusCell.replaceChildren(badge(d.status));
    button.disabled = false;
  }
}

async function loadFailed() {
  const agreementId = $('failed-agreement').value;
  const query = new URLSearchParams({ status: 'failed', limit: '50' });
  if (agreementId) query.set('agreementId', agreementId);
  const page = await api('GET', `/ops/deliveries?${query}`);
  const body = $('failed-table').tBodies[0];
  body.replaceChildren();
  for (const d of page.items) {
    const tr = el('tr', undefined, { 'data-delivery-id': d.deliveryId, 'data-status': d.status });
    const article = el('td');
    article.append(
      el('div', d.title, { class: 'title' }),
      el('div', `${d.articleId} · v${d.version}`, { class: 'sub' }),
    );
    const errorCell = el('td', d.lastError ?? '', { class: 'error-text' });
    const statusCell = el('td', undefined, { class: 'status' });
    statusCell.append(badge(d.status));
    const action = el('td');
    const button = el('button', t('replay'), { type: 'button', class: 'replay' });
    button.addEventListener('click', () => replay(d, statusCell, errorCell, button));
    action.append(button);
    tr.append(
      article,
      el('td', d.agreementId),
      el('td', d.channelId),
      errorCell,
      el('td', time(d.updatedAt)),
      statusCell,
      action,
    );
    body.append(tr);
  }
  $('failed-empty').hidden = page.items.length > 0;
}

// ---------- article view ----------

async function loadArticle(articleId) {
  const table = $('article-table');
  const body = table.tBodies[0];
  body.replaceChildren();
  const empty = $('article-empty');
  const { items } = await api('GET', `/ops/articles/${encodeURIComponent(articleId)}/deliveries`);
  table.hidden = items.length === 0;
  empty.hidden = items.length > 0;
  empty.textContent = items.length ? '' : t('notFound');
  for (const d of items) {
    const whyCell = el('td');
    const button = el('button', t('explain'), { type: 'button', class: 'link' });
    button.addEventListener('click', async () => {
      const q = new URLSearchParams({ agreementId: d.agreementId, version: String(d.version) });
      try {
        const why = await api('GET', `/ops/articles/${encodeURIComponent(articleId)}/why?${q}`);
        whyCell.replaceChildren(el('div', why.explanation, { class: 'explanation' }));
      } catch (error) {
        whyCell.replaceChildren(el('div', error.message, { class: 'error' }));
      }
    });
    whyCell.append(button);
    const status = el('td');
    status.append(badge(d.status));
    body.append(
      (() => {
        const tr = el('tr', undefined, { 'data-delivery-id': d.deliveryId });
        tr.append(
          el('td', d.agreementId),
          el('td', d.channelId),
          el('td', d.version, { class: 'num' }),
          status,
          el('td', d.attemptCount, { class: 'num' }),
          el('td', d.lastError ?? '', { class: 'error-text' }),
          whyCell,
        );
        return tr;
      })(),
    );
  }
}

// ---------- audit ----------

async function loadAudit() {
  const { items } = await api('GET', '/ops/replays');
  const body = $('audit-table').tBodies[0];
  body.replaceChildren();
  for (const a of items) {
    const tr = el('tr', undefined, { 'data-replay-id': a.replayId });
    tr.append(
      el('td', time(a.requestedAt)),
      el('td', a.requestedBy),
      // Audit kinds: one, replay (by filter; `bulk` in records from before), backfill.
      el('td', t(a.kind === 'replay' || a.kind === 'bulk' ? 'kind.replay' : (a.kind ?? 'one'))),
      el('td', a.count, { class: 'num' }),
      el('td', JSON.stringify(a.filter), { class: 'error-text' }),
    );
    body.append(tr);
  }
}

// ---------- sign-in and start ----------

async function loadAll() {
  showError('');
  await Promise.all([loadHealth(), loadFailed(), loadAudit()]);
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  $('app').hidden = true;
  $('sign-out').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message ?? '';
}

async function signIn(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  await api('GET', '/ops/agreements');
  $('signin').hidden = true;
  $('app').hidden = false;
  $('sign-out').hidden = false;
  document.body.setAttribute('data-signed-in', 'true');
  await loadAll();
}

function start() {
  applyLabels();
  $('lang-toggle').addEventListener('click', () => {
    lang = lang === 'vi' ? 'en' : 'vi';
    localStorage.setItem(LANG_KEY, lang);
    applyLabels();
    if (!$('app').hidden) loadAll().catch((e) => showError(e.message));
  });
  $('signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    signIn($('token').value.trim()).catch((e) => {
      if (!$('signin').hidden) $('signin-error').textContent = e.status === 401 ? t('badToken') : e.message;
    });
  });
  $('sign-out').addEventListener('click', () => signOut());
  $('refresh').addEventListener('click', () => loadAll().catch((e) => showError(e.message)));
  $('failed-agreement').addEventListener('change', () => loadFailed().catch((e) => showError(e.message)));
  $('article-form').addEventListener('submit', (event) => {
    event.preventDefault();
    loadArticle($('article-id').value.trim()).catch((e) => showError(e.message));
  });
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved).catch(() => undefined);
}

start();
