/** Human output: aligned tables, short times, a progress bar; colour on a terminal only. */

const MAX_CELL = 60;

/** How this run prints: set once per invocation by runCli (`--wide`; colour only on a TTY, never with NO_COLOR). */
export const style = { wide: false, colour: false };

const COLOURS: Record<string, string> = {
  failed: '31',
  delivered: '32',
  ok: '32',
  done: '32',
  retrying: '33',
  pending: '33',
  degraded: '33',
  failing: '31',
  discarded: '90',
  cancelled: '90',
};

/** A status word in its colour (the text is already free of control characters). */
const paint = (text: string) => {
  const code = style.colour ? COLOURS[text.trim()] : undefined;
  return code ? `\u001b[${code}m${text}\u001b[0m` : text;
};

/** C0 and C1 controls, DEL, bidi controls and zero-width characters: what must never reach a terminal raw. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: this pattern exists to find control characters
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff]/g;

/**
 * Shows every unprintable character as a visible `\u{…}` escape, so data from partners or the CMS
 * cannot move the cursor, rewrite the screen or reorder what an operator reads. Newlines are kept
 * when `keepNewlines` (multi-line human output); a table cell never keeps them.
 */
function escapeControls(s: string, keepNewlines = false): string {
  return s.replace(UNPRINTABLE, (c) =>
    keepNewlines && c === '\n' ? c : `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}

/** Colour sequences as `paint` writes them: kept when colour is on, everything else escaped. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: this pattern exists to find escape sequences
const SGR = /(\u001b\[[0-9;]*m)/;

/** Text as it may reach the terminal: controls escaped, newlines kept, and `paint`'s colours when on. */
export function terminalSafe(s: string): string {
  if (!style.colour) return escapeControls(s, true);
  return s
    .split(SGR)
    .map((part, i) => (i % 2 === 1 ? part : escapeControls(part, true)))
    .join('');
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const s = typeof value === 'object' ? JSON.stringify(value) : String(value);
  // One line per row: line breaks and tabs become a space; any other control character is escaped.
  const flat = escapeControls(s.replace(/[\r\n\t]+/g, ' '));
  return !style.wide && flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

/** Columns padded to their widest cell; `columns` maps a header to how a row shows it. */
export function table<T>(rows: T[], columns: Record<string, (row: T) => unknown>): string {
  const headers = Object.keys(columns);
  const body = rows.map((r) => Object.values(columns).map((f) => cell(f(r))));
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((b) => [...(b[i] ?? '')].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => paint(c) + ' '.repeat(Math.max(0, (widths[i] ?? 0) - [...c].length)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...body.map(line)].join('\n');
}

/** Key: value lines for one object. */
export function fields(obj: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(obj).map((k) => k.length));
  return Object.entries(obj)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k.padEnd(width)}  ${paint(cell(v))}`)
    .join('\n');
}

export const shortTime = (iso: unknown) =>
  typeof iso === 'string' ? iso.replace('T', ' ').slice(0, 19) : '';

export interface JobProgress {
  status: string;
  total: number;
  done: number;
  skipped: number;
}

/** `[######------]  60%  done 600  skipped 0  of 1000  running`. */
export function progressBar(job: JobProgress, width = 30): string {
  const seen = job.done + job.skipped;
  const ratio = job.total ? Math.min(1, seen / job.total) : 1;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%  done ${job.done}  skipped ${job.skipped}  of ${job.total}  ${job.status}`;
}
