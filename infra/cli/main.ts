/**
 * `loa`: the ops API from a terminal. Human tables by default, `--json` for scripts; exit codes
 * 0 ok, 1 refused or failed (4xx), 2 usage, 3 unreachable or server error (5xx), 4 credentials.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { authFor, CliError, EXIT, endpointOf, makeClient } from './client.ts';
import { COMMANDS, type Command, type Values } from './commands.ts';
import { escapeControls, progressBar } from './format.ts';
import { startDashboardProxy } from './proxy.ts';

export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  readStdin?: () => Promise<string>;
  fetch?: typeof fetch;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** When `loa dashboard` stops (default: Ctrl-C). */
  until?: Promise<void>;
}

const GLOBAL = {
  endpoint: { type: 'string' },
  json: { type: 'boolean' },
  progress: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DASHBOARD: Command = {
  path: ['dashboard'],
  summary: 'serve the dashboard on loopback for a deployed endpoint, signing its API calls (SigV4) (--port)',
  options: { port: { type: 'string' } },
  async run() {
    throw new Error('handled in runCli');
  },
};

const ALL = [...COMMANDS, DASHBOARD];

function usage(): string {
  const width = Math.max(
    ...ALL.map((c) => [...c.path, ...(c.args ?? []).map((a) => `<${a}>`)].join(' ').length),
  );
  const lines = ALL.map(
    (c) => `  ${[...c.path, ...(c.args ?? []).map((a) => `<${a}>`)].join(' ').padEnd(width)}  ${c.summary}`,
  );
  return [
    'usage: loa [--endpoint URL] [--json] [--progress] <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'filters (deliveries list, replays start): --agreement ID --status S --channel C --article ID --since T --until T',
    '  T is an ISO time or an age: 30m, 24h, 7d',
    '',
    'endpoint: --endpoint or LOA_ENDPOINT (default http://127.0.0.1:4010, the local server)',
    'auth: LOA_OPS_TOKEN; locally the server’s <LOA_DATA_DIR or .loa>/ops-token; an https endpoint',
    '  without a token is called with SigV4 and your AWS credentials (profile, SSO, env)',
    'exit codes: 0 ok, 1 refused or failed, 2 usage, 3 unreachable or server error, 4 credentials refused',
  ].join('\n');
}

/** Value-taking flags of every command, so command words can be told from flag values. */
const STRING_FLAGS = new Set(
  ALL.flatMap((c) => Object.entries({ ...GLOBAL, ...c.options }))
    .filter(([, o]) => o.type === 'string')
    .map(([name]) => `--${name}`),
);

function findCommand(argv: string[]): Command | undefined {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a.startsWith('-')) {
      if (STRING_FLAGS.has(a)) i++;
      continue;
    }
    words.push(a);
  }
  const matches = ALL.filter((c) => c.path.every((w, i) => words[i] === w));
  return matches.sort((x, y) => y.path.length - x.path.length)[0];
}

/** Runs one CLI invocation; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // Everything printed goes through escapeControls: server data may carry terminal escapes.
  const err = (line: string) => io.stderr.write(`${escapeControls(line, true)}\n`);
  try {
    const command = findCommand(argv);
    if (!command) {
      const wantsHelp = argv.length === 0 || argv.includes('--help') || argv.includes('-h');
      (wantsHelp ? io.stdout : io.stderr).write(`${usage()}\n`);
      if (!wantsHelp)
        err(`\nloa: unknown command: ${argv.filter((a) => !a.startsWith('-')).join(' ') || '(none)'}`);
      return wantsHelp ? EXIT.ok : EXIT.usage;
    }
    let parsed: { values: Values; positionals: string[] };
    try {
      parsed = parseArgs({
        args: argv,
        options: { ...GLOBAL, ...command.options },
        allowPositionals: true,
        strict: true,
      }) as typeof parsed;
    } catch (error) {
      throw new CliError(
        `${(error as Error).message}\n(loa ${command.path.join(' ')} --help lists its options)`,
        EXIT.usage,
      );
    }
    const { values } = parsed;
    if (values.help) {
      io.stdout.write(
        `loa ${[...command.path, ...(command.args ?? []).map((a) => `<${a}>`)].join(' ')}\n  ${command.summary}\n`,
      );
      const opts = Object.keys(command.options ?? {}).map((o) => `--${o}`);
      if (opts.length) io.stdout.write(`  options: ${opts.join(' ')}\n`);
      return EXIT.ok;
    }
    const args = parsed.positionals.slice(command.path.length);
    const expected = command.args?.length ?? 0;
    if (args.length > expected)
      throw new CliError(`unexpected argument: ${args.slice(expected).join(' ')}`, EXIT.usage);
    const endpoint = endpointOf(typeof values.endpoint === 'string' ? values.endpoint : undefined, io.env);
    const api = makeClient(endpoint, await authFor(endpoint, io.env), io.fetch);

    if (command === DASHBOARD) {
      const port = Number(values.port ?? 4020);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new CliError(`--port ${values.port}: not a port`, EXIT.usage);
      const proxy = await startDashboardProxy(api, port, io.fetch);
      io.stdout.write(
        `dashboard for ${api.endpoint}\n  open   ${proxy.url}\n  token  ${proxy.token}   (sign in with it; it lives as long as this process)\n`,
      );
      await (io.until ?? new Promise<void>((resolve) => process.once('SIGINT', () => resolve())));
      await proxy.close();
      return EXIT.ok;
    }

    const showProgress = values.progress === true || (io.stderr.isTTY === true && values.json !== true);
    let last = '';
    const out = await command.run({
      api,
      values,
      args,
      now: io.now ?? (() => new Date()),
      sleep: io.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      readInput: (file) =>
        file === '-' ? (io.readStdin?.() ?? Promise.resolve('')) : readFile(file, 'utf8'),
      progress: (job) => {
        if (!showProgress) return;
        const bar = progressBar(job);
        if (bar === last) return;
        last = bar;
        io.stderr.write(io.stderr.isTTY ? `\r${bar}` : `${bar}\n`);
        if (io.stderr.isTTY && ['done', 'cancelled', 'failed'].includes(job.status)) io.stderr.write('\n');
      },
      until: io.until ?? new Promise(() => undefined),
      log: err,
    });
    // JSON.stringify already escapes C0 controls; C1 and bidi controls are escaped for the terminal too.
    io.stdout.write(`${escapeControls(values.json ? JSON.stringify(out.json, null, 2) : out.human, true)}\n`);
    return out.exitCode ?? EXIT.ok;
  } catch (error) {
    if (error instanceof CliError) {
      err(`loa: ${error.message}`);
      const problems = (error.body as { problems?: string[] } | undefined)?.problems;
      for (const p of problems ?? []) err(`  - ${p}`);
      return error.exitCode;
    }
    if ((error as { code?: string }).code === 'ENOENT') {
      err(`loa: ${(error as Error).message}`);
      return EXIT.usage;
    }
    err(`loa: unexpected error: ${(error as Error).stack ?? String(error)}`);
    return EXIT.unreachable;
  }
}

/** The process entry (bin/loa.mjs). */
export async function main(argv: string[]): Promise<number> {
  const readStdin = async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin as AsyncIterable<Buffer>) chunks.push(c);
    return Buffer.concat(chunks).toString('utf8');
  };
  return runCli(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env, readStdin });
}
