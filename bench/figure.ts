/**
 * One shape for every benchmark figure, and one printer. A figure's `ratio` is always
 * `value / baseline`, measured in the same run on the same machine; its goal, when it has one, is
 * either on that ratio or on the value itself.
 */

export interface Goal {
  /** What the goal constrains: the value itself, or value / baseline. */
  on: 'value' | 'ratio';
  op: '>=' | '<=' | '<';
  target: number;
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  baselineName?: string;
  /** value / baseline. */
  ratio?: number;
  goal?: Goal;
  met?: boolean;
  /** A short remark printed under the table (what the figure includes, why it is modelled). */
  note?: string;
}

/** What a part returns: its figures, and whatever else it measured (kept in bench-results.json). */
export interface PartResult {
  figures: Figure[];
  detail?: Record<string, unknown>;
}

export const round = (n: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** Rounds to `significant` significant digits: dollars per million span many orders of magnitude. */
export const sig = (n: number, significant = 3): number =>
  n === 0 || !Number.isFinite(n) ? n : Number(n.toPrecision(significant));

/** Builds a figure: fills in the ratio when there is a baseline, and `met` when there is a goal. */
export function figure(f: Omit<Figure, 'ratio' | 'met'> & { ratio?: number }): Figure {
  const ratio =
    f.ratio ?? (f.baseline !== undefined && f.baseline !== 0 ? round(f.value / f.baseline, 3) : undefined);
  const out: Figure = { ...f, ...(ratio !== undefined && { ratio }) };
  if (f.goal) {
    const x = f.goal.on === 'ratio' ? ratio : f.value;
    out.met = x !== undefined && compare(x, f.goal.op, f.goal.target);
  }
  return out;
}

function compare(x: number, op: Goal['op'], target: number): boolean {
  if (op === '>=') return x >= target;
  if (op === '<=') return x <= target;
  return x < target;
}

export function goalText(g: Goal | undefined, unit = ''): string {
  if (!g) return '';
  const op = { '>=': '≥', '<=': '≤', '<': '<' }[g.op];
  return g.on === 'ratio' ? `ratio ${op} ${g.target}` : `${op} ${g.target}${unit ? ` ${unit}` : ''}`;
}

const num = (n: number | undefined): string => {
  if (n === undefined) return '';
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1000) return Math.round(n).toLocaleString('en-US');
  if (a >= 100) return String(round(n, 1));
  if (a >= 1 || a === 0) return String(round(n, 2));
  return String(sig(n, 3));
};

interface Row {
  part: string;
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  goal: string;
  met: string;
}

function rows(parts: Record<string, PartResult>): Row[] {
  return Object.entries(parts).flatMap(([part, r]) =>
    r.figures.map((f) => ({
      part,
      figure: f.name,
      value: `${num(f.value)} ${f.unit}`,
      baseline:
        f.baseline === undefined ? '' : `${num(f.baseline)}${f.baselineName ? ` (${f.baselineName})` : ''}`,
      ratio: f.ratio === undefined ? '' : num(f.ratio),
      goal: goalText(f.goal, f.unit),
      met: f.met === undefined ? '' : f.met ? 'yes' : 'NO',
    })),
  );
}

const HEAD: Row = {
  part: 'part',
  figure: 'figure',
  value: 'value',
  baseline: 'baseline',
  ratio: 'ratio',
  goal: 'goal',
  met: 'met',
};
const COLUMNS = Object.keys(HEAD) as (keyof Row)[];

/** A fixed-width table for the terminal, with each figure's note underneath. */
export function textTable(parts: Record<string, PartResult>): string {
  const all = [HEAD, ...rows(parts)];
  const width = Object.fromEntries(
    COLUMNS.map((c) => [c, Math.max(...all.map((r) => [...r[c]].length))]),
  ) as Record<keyof Row, number>;
  const line = (r: Row) =>
    COLUMNS.map((c) => (c === 'value' || c === 'ratio' ? r[c].padStart(width[c]) : r[c].padEnd(width[c])))
      .join('  ')
      .trimEnd();
  const rule = COLUMNS.map((c) => '─'.repeat(width[c])).join('  ');
  const notes = Object.values(parts)
    .flatMap((r) => r.figures)
    .filter((f) => f.note)
    .map((f) => `  · ${f.name}: ${f.note}`);
  return [line(HEAD), rule, ...all.slice(1).map(line), ...(notes.length ? ['', ...notes] : [])].join('\n');
}

/** The same table in Markdown, for the README. */
export function markdownTable(parts: Record<string, PartResult>): string {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  const line = (r: Row) => `| ${COLUMNS.map((c) => esc(r[c])).join(' | ')} |`;
  return [line(HEAD), `|${COLUMNS.map(() => '---').join('|')}|`, ...rows(parts).map(line)].join('\n');
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** The q-quantile (0..1) of a list, nearest rank. */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
}
