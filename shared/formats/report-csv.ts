/** CSV (RFC 4180, UTF-8 with a BOM so spreadsheet programs read Vietnamese right) of a report's first table. */
import type { Cell, Table } from './report-table.ts';

const BOM = '\uFEFF';

/** Quotes a cell when it holds a separator, quote or line break; a leading =+-@ is neutralised (CSV injection). */
function cell(v: Cell): string {
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(table: Table): string {
  const lines = [table.header, ...table.rows].map((r) => r.map(cell).join(','));
  return `${BOM}${lines.join('\r\n')}\r\n`;
}
