import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestSha256 } from '#app/package-article.ts';
import { FEED_SETTLE_MS } from '#domain/feed.ts';
import { makeHandler as routeHandler } from '#functions/route/handler.ts';
import { BUS_NAME } from '#infra/wiring.ts';
import { DETAIL_TYPE, type PackageReady, SOURCE } from '#schemas/events.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { approve, createFeedAgreement } from '#test/support/ops-fixtures.ts';

const AGREEMENT = 'sec-events';

function forged(overrides: Partial<PackageReady>): PackageReady {
  return {
    articleId: 'forged-article',
    version: 1,
    language: 'vi',
    topics: ['infrastructure'],
    title: 'Forged',
    manifest: { bucket: 'loa-packages', key: 'packages/forged-article/v1/ninjs.json' },
    manifestSha256: '0'.repeat(64),
    assetIds: [],
    packagedAt: new Date().toISOString(),
    ...overrides,
  };
}

const envelope = (detail: unknown) => ({
  version: '0',
  id: `evt-${Math.random()}`,
  'detail-type': DETAIL_TYPE.packageReady,
  source: SOURCE.package,
  time: new Date().toISOString(),
  detail,
});

// Defect 1: anyone who could call PutEvents could send PackageReady naming any JSON Loa can read.
describe('provenance of internal events', () => {
  let loa: TestLoa;
  const route = (detail: unknown) => routeHandler(() => loa.deps)(envelope(detail), {} as never);
  const rejectionsOf = async (articleId: string) =>
    ((await loa.ops('GET', '/ops/rejections')).json.items as { detail: string; problems: string[] }[]).filter(
      (r) => r.detail.includes(`"${articleId}"`),
    );

  beforeAll(async () => {
    loa = await startTestLoa();
    await createFeedAgreement(loa, AGREEMENT);
  });
  afterAll(async () => loa?.close());

  it('refuses PackageReady from the CMS, and any event from an unknown caller, at PutEvents', async () => {
    const detail = JSON.stringify(forged({}));
    await expect(
      loa.putEvents([{ source: SOURCE.package, detailType: DETAIL_TYPE.packageReady, detail }]),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const stranger = new EventBridgeClient({
      region: 'us-east-1',
      endpoint: loa.baseUrl,
      credentials: { accessKeyId: 'SOMEONEELSE', secretAccessKey: 'x' },
    });
    const put = stranger.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: BUS_NAME, Source: SOURCE.cms, DetailType: 'ContentApproved', Detail: '{}' },
        ],
      }),
    );
    await expect(put).rejects.toMatchObject({ name: 'AccessDeniedException' });
    stranger.destroy();
  });

  it('records a PackageReady whose manifest is not the canonical one of its version, and routes nothing', async () => {
    await loa.upload(
      'evil/doc.json',
      '{"headlines":[{"value":"<script>alert(1)</script>"}]}',
      'application/json',
    );
    const body = '{"headlines":[{"value":"<script>alert(1)</script>"}]}';
    await route(
      forged({
        articleId: 'forged-key',
        manifest: { bucket: 'loa-content', key: 'evil/doc.json' },
        manifestSha256: manifestSha256(body),
      }),
    );
    await loa.deps.packages.putManifest('packages/other/v1/ninjs.json', body);
    await route(
      forged({
        articleId: 'forged-key',
        version: 2,
        manifest: { bucket: 'loa-packages', key: 'packages/other/v1/ninjs.json' },
        manifestSha256: manifestSha256(body),
      }),
    );

    const problems = (await rejectionsOf('forged-key')).flatMap((r) => r.problems);
    expect(problems).toHaveLength(2);
    expect(problems.every((p) => p.includes('detail.manifest: not the package of forged-key'))).toBe(true);
    expect((await loa.deliveriesOf(AGREEMENT)).filter((d) => d.articleId === 'forged-key')).toEqual([]);
  });

  it('records a PackageReady whose manifest does not hash to its manifestSha256', async () => {
    await loa.deps.packages.putManifest('packages/forged-hash/v1/ninjs.json', '{"headlines":[]}');
    await route(
      forged({
        articleId: 'forged-hash',
        manifest: { bucket: 'loa-packages', key: 'packages/forged-hash/v1/ninjs.json' },
      }),
    );
    const problems = (await rejectionsOf('forged-hash')).flatMap((r) => r.problems);
    expect(problems).toEqual([expect.stringContaining('detail.manifestSha256')]);
    expect((await loa.deliveriesOf(AGREEMENT)).filter((d) => d.articleId === 'forged-hash')).toEqual([]);
  });

  it('leaves a damaged manifest out of the feed instead of answering 500', async () => {
    await approve(loa, 'sec-good');
    // A manifest at the canonical key that is not a ninjs document, with a matching hash.
    const body = '{"headlines":"not a list","bodies":7}';
    const key = 'packages/sec-damaged/v1/ninjs.json';
    await loa.deps.packages.putManifest(key, body);
    await route(
      forged({
        articleId: 'sec-damaged',
        manifest: { bucket: 'loa-packages', key },
        manifestSha256: manifestSha256(body),
      }),
    );
    await loa.settled();
    expect((await loa.deliveriesOf(AGREEMENT)).map((d) => d.articleId).sort()).toEqual([
      'sec-damaged',
      'sec-good',
    ]);

    // Items enter a feed once they are older than its settle time (FEED_SETTLE_MS).
    await new Promise((r) => setTimeout(r, FEED_SETTLE_MS + 200));
    for (const format of ['rss', 'atom', 'json']) {
      const minted = await loa.ops('POST', `/ops/agreements/${AGREEMENT}/feed-url`, { format });
      const res = await fetch(minted.json.url as string);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('sec-good');
      expect(text).not.toContain('sec-damaged');
    }
  });
});
