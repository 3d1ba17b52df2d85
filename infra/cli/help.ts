/** The CLI's help: the overview, one command's help with examples, a group's commands, did-you-mean. */
import type { Command } from './command.ts';
import { EXAMPLES } from './examples.ts';

const EXIT_CODES =
  'exit codes: 0 ok · 1 refused or did not finish (4xx, cancelled, a failed entry) · 2 usage · ' +
  '3 unreachable or server error (5xx) · 4 credentials refused or missing';

const synopsis = (c: Command) => [...c.path, ...(c.args ?? []).map((a) => `<${a}>`)].join(' ');

/** `loa --help`, `loa help`. */
export function overview(all: Command[]): string {
  const width = Math.max(...all.map((c) => synopsis(c).length));
  return [
    'usage: loa [--endpoint URL] [--json] [--wide] [--progress] <command> [options]',
    '       loa help [command]   ·   loa --version',
    '',
    'commands:',
    ...all.map((c) => `  ${synopsis(c).padEnd(width)}  ${c.summary}`),
    '',
    'filters (deliveries list, replays start): --agreement ID --status S --channel C --article ID --since T --until T',
    '  T is an ISO time or an age: 30m, 24h, 7d',
    '',
    'output: tables for people (colour on a terminal only; NO_COLOR turns it off; --wide shows whole cells);',
    '  --json prints one envelope for scripts: {"ok":true,"data":…} or {"ok":false,"problem":{type,title,status,detail,…}}',
    'endpoint: --endpoint or LOA_ENDPOINT (default http://127.0.0.1:4010, the local server)',
    'auth: LOA_OPS_TOKEN; locally the server’s <LOA_DATA_DIR or .loa>/ops-token; an https endpoint',
    '  without a token is called with SigV4 and your AWS credentials (profile, SSO, env)',
    EXIT_CODES,
  ].join('\n');
}

/** `loa help deliveries list`, `loa deliveries list --help`. */
export function commandHelp(c: Command): string {
  const options = Object.entries(c.options ?? {}).map(
    ([name, o]) => `  --${name}${o.type === 'string' ? ` <value>${o.multiple ? ' (repeatable)' : ''}` : ''}`,
  );
  const examples = EXAMPLES[c.path.join(' ')] ?? [];
  return [
    `usage: loa ${synopsis(c)}${options.length ? ' [options]' : ''}`,
    '',
    `  ${c.summary}`,
    ...(options.length ? ['', 'options:', ...options] : []),
    '',
    'global options: --endpoint URL  --json  --wide  --progress  --help',
    ...(examples.length ? ['', 'examples:', ...examples.map((e) => `  ${e}`)] : []),
    '',
    EXIT_CODES,
  ].join('\n');
}

/** `loa deliveries`: the commands under a first word. */
export function groupHelp(word: string, all: Command[]): string | undefined {
  const members = all.filter((c) => c.path[0] === word && c.path.length > 1);
  if (!members.length) return undefined;
  const width = Math.max(...members.map((c) => synopsis(c).length));
  return [
    `usage: loa ${word} <command> [options]`,
    '',
    'commands:',
    ...members.map((c) => `  ${synopsis(c).padEnd(width)}  ${c.summary}`),
    '',
    `loa help ${word} <command> shows one with examples`,
  ].join('\n');
}

/** Edit distance (insert, delete, substitute), for did-you-mean. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** The closest command to what was typed, when it is close enough to be a typo. */
export function didYouMean(words: string[], all: Command[]): string | undefined {
  const candidates = new Set(all.flatMap((c) => [c.path.join(' '), c.path[0] ?? '']));
  let best: { name: string; d: number } | undefined;
  for (const name of candidates) {
    const typed = words.slice(0, name.split(' ').length).join(' ');
    const d = distance(typed, name);
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d <= Math.max(2, Math.floor(best.name.length / 4)) ? best.name : undefined;
}
