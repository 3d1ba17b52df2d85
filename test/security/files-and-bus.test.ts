import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BusEvent, LocalBus } from '#infra/local/bus.ts';
import { SUBSCRIPTIONS } from '#infra/wiring.ts';
import { DETAIL_TYPE, SOURCE } from '#schemas/events.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { approve, createFeedAgreement } from '#test/support/ops-fixtures.ts';

/** Every file and folder under `dir` whose mode lets anyone but the owner in. */
async function exposed(dir: string): Promise<string[]> {
  const out: string[] = [];
  const mode = (await stat(dir)).mode & 0o777;
  if (mode !== 0o700) out.push(`${dir} ${mode.toString(8)}`);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await exposed(path)));
    else if (e.isFile() && ((await stat(path)).mode & 0o077) !== 0) {
      out.push(`${path} ${((await stat(path)).mode & 0o777).toString(8)}`);
    }
  }
  return out;
}

// Defect 10: local package objects were world-readable (0644); the bus dropped events silently.
describe('local files are private', () => {
  let loa: TestLoa;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'loa-private-'));
    // Left by an older run: readable by all.
    await mkdir(join(dataDir, 'old'), { mode: 0o755 });
    await writeFile(join(dataDir, 'old', 'left-over.json'), '{}', { mode: 0o644 });
    loa = await startTestLoa({ dataDir });
    await createFeedAgreement(loa, 'private-files');
  });
  afterAll(async () => {
    await loa?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes package objects, table and journals 0600 in 0700 folders, and tightens what was there', async () => {
    await approve(loa, 'private-article');
    await loa.settled();
    const files = await readdir(join(dataDir, 's3'), { recursive: true });
    expect(files.some((f) => String(f).includes('private-article'))).toBe(true);
    expect(await exposed(dataDir)).toEqual([]);
  });

  it('records an accepted event no rule matches as a rejection', async () => {
    const [entry] = await loa.putEvents([
      { source: SOURCE.cms, detailType: 'ContentDeleted', detail: { articleId: 'x' } },
    ]);
    await loa.settled();
    const items = (await loa.ops('GET', '/ops/rejections')).json.items as {
      eventId: string;
      handler: string;
      problems: string[];
    }[];
    expect(items.find((r) => r.eventId === entry?.EventId)).toMatchObject({
      handler: 'bus',
      problems: [expect.stringContaining('no rule on bus loa matches')],
    });
  });
});

describe('the local bus logs and reports every event it cannot hand to a target', () => {
  it('an event no rule matches, and one whose target failed on every retry; announcements are neither', async () => {
    const logged: string[] = [];
    const unhandled: { event: BusEvent; problem: string }[] = [];
    const bus = new LocalBus({
      busName: 'loa',
      subscriptions: SUBSCRIPTIONS,
      invoke: async () => {
        throw new Error('handler down');
      },
      retryDelaysMs: [1, 1],
      logger: { warn: (m) => logged.push(m), error: (m) => logged.push(m) },
      announcements: [{ source: SOURCE.delivery, detailType: DETAIL_TYPE.deliveryFailed }],
      onUnhandled: (event, problem) => {
        unhandled.push({ event, problem });
      },
    });
    const entry = (Source: string, DetailType: string) => ({
      EventBusName: 'loa',
      Source,
      DetailType,
      Detail: '{}',
    });
    bus.putEvents([
      entry(SOURCE.cms, 'ContentDeleted'),
      entry(SOURCE.cms, DETAIL_TYPE.contentWithdrawn),
      entry(SOURCE.delivery, DETAIL_TYPE.deliveryFailed),
    ]);
    await bus.idle();
    await bus.close();

    expect(unhandled.map((u) => u.problem)).toEqual([
      expect.stringContaining('no rule on bus loa matches source "loa.cms" and detail-type "ContentDeleted"'),
      expect.stringContaining('target withdraw failed after 3 attempts: handler down'),
    ]);
    expect(logged.filter((m) => m === 'bus event not handled')).toHaveLength(2);
  });
});
