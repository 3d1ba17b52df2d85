/**
 * What a CLI command is: its words, options and positionals, and a `run` that calls the ops API and
 * returns what to print (a human rendering, and the JSON for `--json`). The argument helpers every
 * command shares live here too.
 */
import type { ParseArgsConfig } from 'node:util';
import { type ApiClient, CliError, EXIT } from './client.ts';
import type { JobProgress } from './format.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | string[] | boolean | undefined>;
type Value = Values[string];

export interface Context {
  api: ApiClient;
  values: Values;
  args: string[];
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  readInput: (file: string) => Promise<string>;
  /** Shows a job's progress (stderr, when a TTY or `--progress`). */
  progress: (job: JobProgress) => void;
  /** Long-running commands (the dashboard proxy) run until this resolves. */
  until: Promise<void>;
  log: (line: string) => void;
}

export interface Output {
  json: unknown;
  human: string;
  /** Non-zero when the operation ran but did not succeed (a cancelled job). */
  exitCode?: number;
}

export interface Command {
  path: string[];
  summary: string;
  args?: string[];
  options?: Options;
  /**
   * `dynamodb`: the command calls DynamoDB itself with the caller's AWS credentials (an operator's
   * deployment step, such as a migration), so it needs no ops API endpoint or token, and `ctx.api`
   * refuses to be used.
   */
  talksTo?: 'dynamodb';
  run(ctx: Context): Promise<Output>;
}

/** A flag's value when it is a string (not a boolean or a list). */
export const str = (v: Value) => (typeof v === 'string' ? v : undefined);
/** A path segment, percent-encoded. */
export const enc = encodeURIComponent;

/** The positional at `i`; a usage error naming `<name>` when missing. */
export function need(ctx: Context, i: number, name: string): string {
  const v = ctx.args[i];
  if (!v) throw new CliError(`missing <${name}>`, EXIT.usage);
  return v;
}

/** A whole-number flag within bounds; undefined when not given. */
export function int(flag: string, v: Value, min: number, max: number): number | undefined {
  if (typeof v !== 'string') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`--${flag} ${v}: must be a whole number from ${min} to ${max}`, EXIT.usage);
  return n;
}

/** A comma-separated flag as a list. */
export function list(v: Value): string[] | undefined {
  return typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}

/**
 * JSON.parse's complaint, less the excerpt of the input V8 quotes in some (`Unexpected token 'E',
 * ..."ken":EAAG…"... is not valid JSON`): an agreement file holds credentials, and stderr is no place
 * for a piece of a token.
 */
const jsonProblem = (message: string) => (/ is not valid JSON$/.test(message) ? 'unexpected token' : message);

/** A JSON file (or `-` for stdin), parsed; a usage error that quotes none of it when it is not JSON. */
export async function readJson(ctx: Context, file: string): Promise<unknown> {
  const raw = await ctx.readInput(file);
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${jsonProblem((error as Error).message)}`, EXIT.usage);
  }
}

/**
 * The ops API's answer, as the type its use case returns (`api.ts`): the API validates what it
 * writes, and the CLI only prints it.
 */
export const get = <T>(ctx: Context, path: string) => ctx.api.request('GET', path) as Promise<T>;
export const post = <T>(ctx: Context, path: string, body?: unknown) =>
  ctx.api.request('POST', path, body) as Promise<T>;
export const patch = <T>(ctx: Context, path: string, body: unknown) =>
  ctx.api.request('PATCH', path, body) as Promise<T>;
