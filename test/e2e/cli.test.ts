/**
 * The `loa` CLI against the local runtime: most commands in-process (runCli with captured output),
 * and the real binary for help and the exit codes scripts rely on.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '#infra/cli/main.ts';
import { agreementInput } from '#test/support/agreement-input.ts';
import {
  type CliRun,
  type RefusingPartner,
  runLoa,
  startWithRefusingPartner,
} from '#test/support/cli-harness.ts';
import { OPS_TOKEN, type TestLoa } from '#test/support/local-loa.ts';
import { createAgreement } from '#test/support/ops-fixtures.ts';
import { freePort } from '#test/support/ports.ts';
import type { Receiver } from '#test/support/receiver.ts';

const BIN = fileURLToPath(new URL('../../bin/loa.mjs', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../../events/content-approved.vi.json', import.meta.url));

let setup: RefusingPartner;
let loa: TestLoa;
let partner: Receiver;

/** The `data` of a successful `--json` run's envelope. */
// biome-ignore lint/suspicious/noExplicitAny: each test reads the shape it asked for
const data = (run: CliRun): any => {
  const envelope = JSON.parse(run.stdout);
  expect(envelope.ok).toBe(true);
  return envelope.data;
};

/** A run that ended with exit `code`, saying `message` on stderr. */
function expectExit(run: CliRun, code: number, message: string) {
  expect(run.code).toBe(code);
  expect(run.stderr).toContain(message);
}

/** Runs the CLI in this process against the test runtime. */
const cli = (args: string[], opts: Parameters<typeof runLoa>[2] = {}) => runLoa(loa, args, opts);

/** Runs the real binary, as a script would. */
function bin(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  setup = await startWithRefusingPartner({
    agreementId: 'cli-partner',
    path: '/cms/cli',
    refusal: { status: 400 },
    articles: ['cli-article-1', 'cli-article-2'],
  });
  ({ loa, partner } = setup);
});

afterAll(() => setup?.close());

describe('the loa binary', () => {
  it('prints its commands for --help and exits 0', async () => {
    const run = await bin(['--help'], {});

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('replays start');
    expect(run.stdout).toContain('exit codes');
  });

  it('exits 3 naming the endpoint when nothing listens there', async () => {
    const port = await freePort();

    const run = await bin(['agreements', 'list'], {
      LOA_ENDPOINT: `http://127.0.0.1:${port}`,
      LOA_OPS_TOKEN: 'x',
    });

    expectExit(run, 3, `cannot reach http://127.0.0.1:${port}`);
  });

  it('exits 4 when the token is refused, and 2 for an unknown command', async () => {
    const refused = await bin(['agreements', 'list'], { LOA_ENDPOINT: loa.baseUrl, LOA_OPS_TOKEN: 'wrong' });
    const unknown = await bin(['frobnicate'], { LOA_ENDPOINT: loa.baseUrl, LOA_OPS_TOKEN: OPS_TOKEN });

    expectExit(refused, 4, 'refused the credentials (HTTP 401)');
    expectExit(unknown, 2, 'unknown command: frobnicate');
  });
});

describe('agreements and deliveries', () => {
  it('lists agreements as a table, or as JSON for scripts', async () => {
    const human = await cli(['agreements', 'list']);
    const json = await cli(['agreements', 'list', '--json']);

    expect(human.code).toBe(0);
    expect(human.stdout.split('\n')[0]).toMatch(/^AGREEMENT\s+PARTNER\s+STATUS/);
    expect(human.stdout).toContain('cli-partner');
    expect(data(json).map((a: { agreementId: string }) => a.agreementId)).toContain('cli-partner');
  });

  it('creates an agreement from stdin, updates and suspends it', async () => {
    const input = agreementInput('cli-created', {
      partner: { partnerId: 'cli-created', name: 'Cổng thông tin điện tử' },
    });

    const created = await cli(['agreements', 'create', '-'], { stdin: JSON.stringify(input) });
    const updated = await cli([
      'agreements',
      'update',
      'cli-created',
      '--topics',
      'infrastructure,culture-tourism',
      '--json',
    ]);
    const suspended = await cli(['agreements', 'suspend', 'cli-created', '--json']);

    expect(created.code).toBe(0);
    expect(created.stdout).toContain('cli-created');
    expect(data(updated).topics).toEqual(['infrastructure', 'culture-tourism']);
    expect(data(suspended).status).toBe('suspended');
  });

  it('lists failed deliveries by filter and shows attempts', async () => {
    const failed = await cli(['deliveries', 'list', '--status', 'failed', '--since', '1h', '--json']);
    const items = data(failed).items;
    const attempts = await cli(['deliveries', 'attempts', items[0].deliveryId]);

    expect(items.map((d: { articleId: string }) => d.articleId).sort()).toEqual([
      'cli-article-1',
      'cli-article-2',
    ]);
    expect(attempts.code).toBe(0);
    expect(attempts.stdout).toContain('HTTP 400');
  });

  it('exits 2 naming the flag for a bad filter, before calling anything', async () => {
    const run = await cli(['deliveries', 'list', '--since', 'yesterday']);
    const flag = await cli(['deliveries', 'list', '--colour', 'red']);

    expectExit(run, 2, '--since yesterday');
    expect(flag.code).toBe(2);
  });

  it('exits 1 with the reason when the API refuses', async () => {
    const missing = await cli(['replay', 'dlv_nothere']);
    const badStatus = await cli(['replays', 'start', '--status', 'pending', '--dry-run']);

    expectExit(missing, 1, 'refused (HTTP 404)');
    expectExit(badStatus, 1, 'filter.status');
  });
});

describe('replays and backfill', () => {
  it('dry-runs then replays by filter with a progress bar, and the audit shows it', async () => {
    partner.script('/cms/cli', [], { status: 200 });

    const dry = await cli(['replays', 'start', '--agreement', 'cli-partner', '--dry-run', '--json']);
    const run = await cli(['replays', 'start', '--agreement', 'cli-partner', '--rate', '20', '--progress']);
    await loa.settled();
    const audit = await cli(['audit', '--json']);

    expect(data(dry).count).toBe(2);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/\[#{30}\] 100% {2}done 2 {2}skipped 0 {2}of 2 {2}done/);
    expect(run.stdout).toMatch(/status\s+done/);
    expect(data(audit)[0]).toMatchObject({ kind: 'replay', count: 2 });
    const left = await cli([
      'deliveries',
      'list',
      '--agreement',
      'cli-partner',
      '--status',
      'failed',
      '--json',
    ]);
    expect(data(left).items).toEqual([]);
  });

  it('backfills a new agreement and explains why the article went there', async () => {
    partner.script('/cms/cli-new', []);
    await createAgreement(loa, 'cli-new', `${partner.baseUrl}/cms/cli-new`);

    const run = await cli(['backfill', 'cli-new', '--days', '1', '--progress', '--json']);
    await loa.settled();
    const why = await cli(['why', 'cli-article-1', '--agreement', 'cli-new']);

    expect(run.code).toBe(0);
    expect(data(run)).toMatchObject({ status: 'done', done: 2 });
    expect(partner.to('/cms/cli-new')).toHaveLength(2);
    expect(why.stdout).toContain('not considered');
    expect(why.stdout).toContain('backfill');
  });

  it('previews routing for an article file and mints a feed URL that works', async () => {
    await createAgreement(loa, 'cli-feed', `${partner.baseUrl}/cms/cli-feed`, {
      feed: true,
      topics: ['border-security'],
    });

    const preview = await cli(['route-preview', SAMPLE, '--json']);
    const url = await cli(['feed-url', 'cli-feed', '--format', 'rss', '--ttl', '1h']);
    const feed = await fetch(url.stdout.trim());

    const decisions = data(preview).decisions;
    expect(decisions.find((d: { agreementId: string }) => d.agreementId === 'cli-feed')).toMatchObject({
      covered: true,
    });
    expect(url.code).toBe(0);
    expect(feed.status).toBe(200);
  });
});

describe('loa dashboard', () => {
  it('serves the dashboard on loopback and forwards API calls only with its own token', async () => {
    let out = '';
    let stop = () => {};
    const until = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const running = runCli(['dashboard', '--port', '0'], {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: () => true },
      env: { LOA_ENDPOINT: loa.baseUrl, LOA_OPS_TOKEN: OPS_TOKEN },
      until,
    });
    for (let i = 0; i < 500 && !/token\s+\S+/.test(out); i++) await new Promise((r) => setTimeout(r, 10));
    const url = /open\s+(\S+)/.exec(out)?.[1] ?? '';
    const token = /token\s+(\S+)/.exec(out)?.[1] ?? '';

    const page = await fetch(url);
    const signed = await fetch(new URL('/ops/health', url), {
      headers: { authorization: `Bearer ${token}` },
    });
    const borrowed = await fetch(new URL('/ops/health', url), {
      headers: { authorization: `Bearer ${OPS_TOKEN}` },
    });
    stop();

    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/ops/ui/app.js');
    expect(signed.status).toBe(200);
    expect(
      ((await signed.json()) as { items: { agreementId: string }[] }).items.map(
        (r: { agreementId: string }) => r.agreementId,
      ),
    ).toContain('cli-partner');
    expect(borrowed.status).toBe(401);
    expect(await running).toBe(0);
  });
});
