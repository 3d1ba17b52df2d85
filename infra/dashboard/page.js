// What both dashboard pages (app.js, report.js) share: the session's keys, the chosen language, and
// elements made with text and attributes only (never HTML). Served as /ops/ui/page.js.

export const TOKEN_KEY = 'loa-ops-token';
export const LANG_KEY = 'loa-ops-lang';

/** The language the operator chose last: Vietnamese unless English. */
export const savedLang = () => (localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'vi');

export const $ = (id) => document.getElementById(id);

/** An element with text (never HTML) and attributes. */
export function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}
