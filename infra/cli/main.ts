/**
 * `loa`: the ops API from a terminal. Human tables by default, `--json` for scripts (one envelope:
 * `{ok, data}` or `{ok: false, problem}`); exit codes 0 ok, 1 refused or failed (4xx), 2 usage,
 * 3 unreachable or server error (5xx), 4 credentials.
 */
import '#infra/quiet-aws-sdk.ts';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type ApiClient, authFor, CliError, EXIT, endpointOf, makeClient } from './client.ts';
import type { Command, Values } from './command.ts';
import { COMMANDS } from './commands/all.ts';
import { DEMO_PARTNER } from './commands/demo.ts';
import { EVENTS_SEND } from './commands/events.ts';
import { MIGRATE_MODEL_2 } from './commands/migrate.ts';
import { progressBar, style, terminalSafe } from './format.ts';
import { commandHelp, didYouMean, groupHelp, overview } from './help.ts';
import { startDashboardProxy } from './proxy.ts';

interface CliIo {
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
  wide: { type: 'boolean' },
  progress: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

const DASHBOARD: Command = {
  path: ['dashboard'],
  summary: 'serve the dashboard on loopback for a deployed endpoint, signing its API calls (SigV4) (--port)',
  options: { port: { type: 'string' } },
  async run() {
    throw new Error('handled in runCli');
  },
};

/** Every command, in the order help lists them. */
export const ALL = [...COMMANDS, EVENTS_SEND, DEMO_PARTNER, DASHBOARD, MIGRATE_MODEL_2];

/** The package's version: defined in the bundle (scripts/build-cli.mjs), read from package.json from source. */
declare const __LOA_VERSION__: string | undefined;
function version(): string {
  if (typeof __LOA_VERSION__ === 'string') return __LOA_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Value-taking flags of every command, so command words can be told from flag values. */
const STRING_FLAGS = new Set(
  ALL.flatMap((c) => Object.entries({ ...GLOBAL, ...c.options }))
    .filter(([, o]) => o.type === 'string')
    .map(([name]) => `--${name}`),
);

/** The words of a command line, without flags and their values. */
function wordsOf(argv: string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a.startsWith('-')) {
      if (STRING_FLAGS.has(a)) i++;
      continue;
    }
    words.push(a);
  }
  return words;
}

function findCommand(words: string[]): Command | undefined {
  const matches = ALL.filter((c) => c.path.every((w, i) => words[i] === w));
  return matches.sort((x, y) => y.path.length - x.path.length)[0];
}

/** A CLI failure as an RFC 9457 problem, for the `--json` envelope (the API's own problem when it sent one). */
function problemOf(error: CliError): Record<string, unknown> {
  const body = error.body as { type?: unknown; status?: unknown } | undefined;
  if (body && typeof body.type === 'string' && typeof body.status === 'number') return { ...body };
  const kind = (Object.entries(EXIT).find(([, code]) => code === error.exitCode)?.[0] ?? 'error') as string;
  return { type: `urn:loa:cli:${kind}`, title: kind, detail: error.message, exitCode: error.exitCode };
}

/** The ops API client of a command that does not use it: any request is a bug, said as one. */
function noApi(endpoint: URL): ApiClient {
  return {
    endpoint: endpoint.href,
    auth: { kind: 'token', token: '' },
    request: () => Promise.reject(new Error('this command talks to DynamoDB, not to the ops API')),
  };
}

/** Runs one CLI invocation; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // Everything printed goes through terminalSafe: server data may carry terminal escapes.
  const err = (line: string) => io.stderr.write(`${terminalSafe(line)}\n`);
  const json = argv.includes('--json');
  style.wide = argv.includes('--wide');
  style.colour = io.stdout.isTTY === true && !json && !io.env.NO_COLOR;
  const out = (text: string) => io.stdout.write(`${terminalSafe(text)}\n`);
  try {
    const words = wordsOf(argv);
    if (argv.includes('--version') || argv.includes('-V')) {
      out(json ? JSON.stringify({ ok: true, data: { version: version() } }) : `loa ${version()}`);
      return EXIT.ok;
    }
    // `loa help [command...]` is `loa [command...] --help`.
    const helpWords = words[0] === 'help' ? words.slice(1) : undefined;
    const wantsHelp = helpWords !== undefined || argv.includes('--help') || argv.includes('-h');
    const target = helpWords ?? words;
    const command = findCommand(target);
    if (!command) {
      if (target.length === 0) {
        (wantsHelp ? io.stdout : io.stderr).write(`${overview(ALL)}\n`);
        return wantsHelp ? EXIT.ok : EXIT.usage;
      }
      const group = groupHelp(target[0] ?? '', ALL);
      if (group && target.length === 1) {
        out(group);
        return EXIT.ok;
      }
      const guess = didYouMean(target, ALL);
      throw new CliError(
        `unknown command: ${target.join(' ')}${guess ? ` (did you mean: loa ${guess}?)` : ''}; loa help lists them`,
        EXIT.usage,
      );
    }
    if (wantsHelp) {
      out(commandHelp(command));
      return EXIT.ok;
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
        `${(error as Error).message}\n(loa help ${command.path.join(' ')} lists its options)`,
        EXIT.usage,
      );
    }
    const { values } = parsed;
    const args = parsed.positionals.slice(command.path.length);
    const expected = command.args?.length ?? 0;
    if (args.length > expected)
      throw new CliError(`unexpected argument: ${args.slice(expected).join(' ')}`, EXIT.usage);
    const endpoint = endpointOf(typeof values.endpoint === 'string' ? values.endpoint : undefined, io.env);
    // A command that talks to DynamoDB itself needs no ops token: it must run where none is set.
    const api =
      command.talksTo === 'dynamodb'
        ? noApi(endpoint)
        : makeClient(endpoint, await authFor(endpoint, io.env), io.fetch);

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
    const result = await command.run({
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
    const exitCode = result.exitCode ?? EXIT.ok;
    out(json ? JSON.stringify({ ok: exitCode === EXIT.ok, data: result.json }, null, 2) : result.human);
    return exitCode;
  } catch (thrown) {
    const error =
      thrown instanceof CliError
        ? thrown
        : (thrown as { code?: string }).code === 'ENOENT'
          ? new CliError((thrown as Error).message, EXIT.usage)
          : undefined;
    if (!error) {
      if (json)
        out(
          JSON.stringify(
            {
              ok: false,
              problem: {
                type: 'urn:loa:cli:unexpected',
                title: 'unexpected error',
                detail: String((thrown as Error).message ?? thrown),
              },
            },
            null,
            2,
          ),
        );
      err(`loa: unexpected error: ${(thrown as Error).stack ?? String(thrown)}`);
      return EXIT.unreachable;
    }
    if (json) out(JSON.stringify({ ok: false, problem: problemOf(error) }, null, 2));
    err(`loa: ${error.message}`);
    const fields = (error.body as { errors?: { field: string; detail: string }[] } | undefined)?.errors;
    for (const f of fields ?? []) err(`  - ${f.field}: ${f.detail}`);
    return error.exitCode;
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
