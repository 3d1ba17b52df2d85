/**
 * The CLI follows its ecosystem's conventions: --version, help [command] with examples, a group's
 * commands, did-you-mean, one --json envelope for data and problems, colour only on a terminal,
 * whole cells with --wide, `events send` for the samples in events/ as they are, and the bundle.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BUS } from '#infra/cli/commands/events.ts';
import { EXAMPLES } from '#infra/cli/examples.ts';
import { ALL } from '#infra/cli/main.ts';
import { readSample, uploadSampleAssets } from '#infra/local/samples.ts';
import { BUS_NAME } from '#infra/wiring.ts';
import {
  type CliRun,
  type RefusingPartner,
  runLoa,
  startWithRefusingPartner,
} from '#test/support/cli-harness.ts';
import type { TestLoa } from '#test/support/local-loa.ts';

let setup: RefusingPartner;
let loa: TestLoa;
const LONG_ERROR = `refused: ${'x'.repeat(120)} END`;

const cli = (args: string[], opts: Parameters<typeof runLoa>[2] = {}) => runLoa(loa, args, opts);

beforeAll(async () => {
  setup = await startWithRefusingPartner({
    agreementId: 'cli-conv',
    path: '/cms/conv',
    refusal: { status: 400, body: LONG_ERROR },
    articles: ['cli-conv-article'],
  });
  ({ loa } = setup);
});

afterAll(() => setup?.close());

describe('help and version', () => {
  it('prints the package version for --version and -V, and inside the envelope with --json', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
    const plain = await cli(['--version']);
    const short = await cli(['-V']);
    const json = await cli(['--version', '--json']);

    expect(plain).toMatchObject({ code: 0, stdout: `loa ${version}\n` });
    expect(short.stdout).toBe(`loa ${version}\n`);
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, data: { version } });
  });

  it('answers `help <command>` like `<command> --help`, with examples and the exit codes', async () => {
    const help = await cli(['help', 'deliveries', 'list']);
    const flag = await cli(['deliveries', 'list', '--help']);

    expect(help.code).toBe(0);
    expect(help.stdout).toBe(flag.stdout);
    expect(help.stdout).toContain('examples:\n  loa deliveries list --status failed --since 24h');
    expect(help.stdout).toContain('--status <value>');
    expect(help.stdout).toContain('exit codes: 0 ok');
  });

  it('has examples for every command', () => {
    const without = ALL.map((c) => c.path.join(' ')).filter((name) => !EXAMPLES[name]?.length);
    expect(without).toEqual([]);
  });

  it('lists a group’s commands for its first word alone', async () => {
    const run = await cli(['deliveries']);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('deliveries list');
    expect(run.stdout).toContain('deliveries attempts <deliveryId>');
  });

  it('suggests the command meant for a typo, with the usage exit code', async () => {
    const run = await cli(['delivries', 'list']);
    const nothingClose = await cli(['frobnicate']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('did you mean: loa deliveries list?');
    expect(nothingClose.code).toBe(2);
    expect(nothingClose.stderr).not.toContain('did you mean');
  });
});

describe('output', () => {
  it('wraps --json output in one envelope: data on success, an RFC 9457 problem on failure', async () => {
    const ok = await cli(['agreements', 'list', '--json']);
    const missing = await cli(['deliveries', 'get', 'dlv_nope', '--json']);
    const usage = await cli(['deliveries', 'list', '--limit', 'many', '--json']);

    expect(JSON.parse(ok.stdout)).toMatchObject({
      ok: true,
      data: [expect.objectContaining({ agreementId: 'cli-conv' })],
    });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({
      ok: false,
      problem: { status: 404, title: 'Not Found' },
    });
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({
      ok: false,
      problem: { type: 'urn:loa:cli:usage', exitCode: 2 },
    });
  });

  it('colours statuses on a terminal only, never with NO_COLOR', async () => {
    const args = ['deliveries', 'list', '--agreement', 'cli-conv'];
    const tty = await cli(args, { tty: true });
    const pipe = await cli(args);
    const noColor = await cli(args, { tty: true, env: { NO_COLOR: '1' } });

    expect(tty.stdout).toContain('\u001b[31mfailed\u001b[0m');
    expect(pipe.stdout).not.toContain('\u001b[');
    expect(noColor.stdout).not.toContain('\u001b[');
  });

  it('cuts long cells to 60 characters, and shows them whole with --wide', async () => {
    await loa.ops('POST', '/ops/agreements', {
      agreementId: 'cli-conv-long',
      partner: { partnerId: 'cli-conv-long', name: `Đài ${'rất '.repeat(30)}dài END` },
      validFrom: '2024-01-01',
      validTo: '2099-12-31',
      topics: ['infrastructure'],
      languages: ['vi'],
      channels: [{ type: 'feed' }],
    });
    const narrow = await cli(['partners', 'list']);
    const wide = await cli(['partners', 'list', '--wide']);

    expect(narrow.stdout).not.toContain('END');
    expect(narrow.stdout).toContain('…');
    expect(wide.stdout).toContain('END');
  });
});

describe('loa events send', () => {
  it('puts a sample from events/ on Loa’s bus as it is, and the article is routed', async () => {
    const sample = await readSample('content-approved.en.json');
    await uploadSampleAssets(loa.s3, [sample]);
    const articleId = (sample.Detail as { article: { articleId: string } }).article.articleId;

    const run = await cli(['events', 'send', 'events/content-approved.en.json', '--json']);
    await loa.settled();

    expect(run.code).toBe(0);
    const data = JSON.parse(run.stdout).data;
    expect(data.failedEntryCount).toBe(0);
    expect(data.entries[0].EventId).toEqual(expect.any(String));
    expect((await loa.ops('GET', `/ops/articles/${articleId}/routing/1`)).status).toBe(200);
  });

  it('sends to the bus the wiring declares', () => {
    expect(DEFAULT_BUS).toBe(BUS_NAME);
  });

  it('reads entries from stdin and refuses a file without the fields PutEvents needs', async () => {
    const bad = await cli(['events', 'send', '-'], { stdin: JSON.stringify({ Source: 'loa.cms' }) });

    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('entry 0: DetailType is missing');
  });
});

describe('the bundle', () => {
  it('runs from dist/loa.mjs (built by npm ci’s prepare) without tsx', async () => {
    const run = await new Promise<CliRun>((resolve) =>
      execFile(process.execPath, ['bin/loa.mjs', '--version'], (error, stdout, stderr) =>
        resolve({ code: error ? 1 : 0, stdout, stderr }),
      ),
    );

    expect(run.code).toBe(0);
    expect(existsSync('dist/loa.mjs')).toBe(true);
    expect(readFileSync('dist/loa.mjs', 'utf8')).not.toContain('tsx/esm/api');
  });
});
