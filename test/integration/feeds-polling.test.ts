import { parseJsonFeed, parseRssFeed } from 'feedsmith';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryIdFor } from '#domain/ids.ts';
import { feedDeliveryFixture } from '#test/fixtures/deliveries.ts';
import { type FeedHarness, IMAGE, startFeedHarness } from '#test/support/feed-harness.ts';

const id = (articleId: string) => `http://loa.example/articles/${articleId}/versions/1`;
const MINUTE = 60_000;

let h: FeedHarness;

async function json(url: string) {
  const res = await h.get(url);
  expect(res.status, res.body).toBe(200);
  return JSON.parse(res.body) as { items: { id: string }[]; next_url?: string };
}

/** Feed deliveries written straight to the store (one shared manifest), for long histories. */
async function seedFeed(agreementId: string, count: number, manifestKey: string, from: Date) {
  for (let i = 0; i < count; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, count - i) }, (_, k) => {
        const n = i + k;
        const createdAt = new Date(from.getTime() + n * 1000).toISOString();
        const articleId = `seeded-${String(n).padStart(4, '0')}`;
        return h.loa.deps.deliveries.create(
          feedDeliveryFixture(agreementId, articleId, manifestKey, createdAt),
        );
      }),
    );
  }
}

beforeAll(async () => {
  h = await startFeedHarness('2025-06-01T08:00:00.000Z');
  await h.agreement('vtv4');
  for (const n of [1, 2, 3]) {
    await h.approve(`bai-${n}`, { topics: ['culture-tourism'] });
    h.clock.advance(MINUTE);
  }
});

afterAll(async () => {
  await h?.close();
});

describe('paging forward with since', () => {
  it('returns only newer items, at most `limit` a page, and ends on an empty page without next', async () => {
    const head = await json(`${await h.feedUrl('vtv4', 'json')}&limit=2`);
    for (const n of [4, 5, 6, 7, 8]) {
      await h.approve(`bai-${n}`, { topics: ['culture-tourism'] });
      h.clock.advance(MINUTE);
    }

    const pages: string[][] = [];
    let next = head.next_url;
    while (next) {
      const page = await json(next);
      pages.push(page.items.map((i) => i.id));
      next = page.next_url;
    }

    expect(head.items.map((i) => i.id)).toEqual([id('bai-3'), id('bai-2')]);
    expect(pages).toEqual([[id('bai-5'), id('bai-4')], [id('bai-7'), id('bai-6')], [id('bai-8')], []]);
  });

  it('keeps the signed parameters and the limit in the next link, and says it in a Link header', async () => {
    const url = `${await h.feedUrl('vtv4', 'rss')}&limit=3`;

    const res = await h.get(url);

    const next = parseRssFeed(res.body).atom?.links?.find((l) => l.rel === 'next')?.href ?? '';
    expect(next.startsWith(`${url.replace('&limit=3', '')}&since=`)).toBe(true);
    expect(next.endsWith('&limit=3')).toBe(true);
    expect(res.headers.get('link')).toBe(`<${next}>; rel="next"`);
  });

  it('refuses a cursor it did not issue, and a limit out of bounds, with 400', async () => {
    const url = await h.feedUrl('vtv4', 'json');

    const badCursor = await h.get(`${url}&since=${Buffer.from('{"pk":"x"}').toString('base64url')}`);
    const tooMany = await h.get(`${url}&limit=201`);
    const none = await h.get(`${url}&limit=0`);

    expect([badCursor.status, tooMany.status, none.status]).toEqual([400, 400, 400]);
    expect(JSON.parse(badCursor.body).detail).toBe('since is not a cursor this feed issued');
    expect(JSON.parse(tooMany.body).detail).toBe('limit must be 1 to 200');
  });

  it('bounds the page: 50 items by default, at most 200', async () => {
    await h.agreement('long-history');
    const manifestKey = (await h.loa.deps.deliveries.listByArticle('bai-1'))[0]?.manifest.key ?? '';
    await seedFeed('long-history', 205, manifestKey, new Date('2025-05-01T00:00:00Z'));

    const byDefault = await json(await h.feedUrl('long-history', 'json'));
    const most = await json(`${await h.feedUrl('long-history', 'json')}&limit=200`);

    expect(byDefault.items).toHaveLength(50);
    expect(most.items).toHaveLength(200);
    expect(byDefault.items[0]?.id).toBe(id('seeded-0204'));
  });

  it('reads one page of at most `limit` rows per poll, whatever the history', async () => {
    const url = `${await h.feedUrl('long-history', 'json')}&limit=10`;
    h.calls.length = 0;

    await json(url);

    // The agreement may come from the cache; the rows never do, and they are one bounded Query.
    const queries = h.calls.filter((c) => c.command === 'QueryCommand');
    expect(queries).toHaveLength(1);
    expect(queries[0]?.input).toMatchObject({ IndexName: 'gsi5', Limit: 10, ScanIndexForward: false });
    expect(h.calls.map((c) => c.command).filter((c) => c !== 'GetCommand' && c !== 'QueryCommand')).toEqual(
      [],
    );
  });
});

describe('conditional requests', () => {
  it('sets ETag, Last-Modified and Cache-Control', async () => {
    const res = await h.get(await h.feedUrl('vtv4', 'rss'));

    expect(res.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(res.headers.get('last-modified')).toBe(new Date('2025-06-01T08:07:00.000Z').toUTCString());
    expect(res.headers.get('cache-control')).toBe('private, max-age=60');
  });

  it('answers 304 with no body to If-None-Match with the current ETag, weak or not', async () => {
    const url = await h.feedUrl('vtv4', 'atom');
    const first = await h.get(url);
    const etag = first.headers.get('etag') ?? '';

    const strong = await h.get(url, { 'if-none-match': etag });
    const weak = await h.get(url, { 'if-none-match': `"other", W/${etag}` });
    const stale = await h.get(url, { 'if-none-match': '"not-this-one"' });

    expect([strong.status, weak.status, stale.status]).toEqual([304, 304, 200]);
    expect(strong.body).toBe('');
    expect(strong.headers.get('etag')).toBe(etag);
    expect(strong.headers.get('cache-control')).toBe('private, max-age=60');
    expect(stale.body).toBe(first.body);
  });

  it('answers 304 to If-Modified-Since at Last-Modified, and 200 once a newer item arrives', async () => {
    const url = await h.feedUrl('vtv4', 'rss');
    const first = await h.get(url);
    const lastModified = first.headers.get('last-modified') ?? '';

    const same = await h.get(url, { 'if-modified-since': lastModified });
    await h.approve('bai-moi', { topics: ['culture-tourism'] });
    h.clock.advance(MINUTE);
    const after = await h.get(url, { 'if-modified-since': lastModified, 'if-none-match': 'x' });
    const afterByDate = await h.get(url, { 'if-modified-since': lastModified });

    expect(same.status).toBe(304);
    expect(after.status).toBe(200);
    expect(afterByDate.status).toBe(200);
    expect(afterByDate.headers.get('etag')).not.toBe(first.headers.get('etag'));
    expect(parseRssFeed(afterByDate.body).items?.[0]?.guid?.value).toBe(id('bai-moi'));
  });
});

describe('acknowledgement and downloads', () => {
  it('records firstPulledAt on the first pull that returns an item, and writes nothing on later pulls', async () => {
    await h.agreement('ack');
    await h.approve('bai-ack', { topics: ['culture-tourism'] });
    h.clock.advance(MINUTE);
    const pulledAt = h.clock.now().toISOString();
    const url = await h.feedUrl('ack', 'json');
    const deliveryId = deliveryIdFor('ack', 'feed', 'bai-ack', 1);

    const before = await h.loa.deps.deliveries.get(deliveryId);
    await json(url);
    const after = await h.loa.deps.deliveries.get(deliveryId);
    h.clock.advance(MINUTE);
    h.calls.length = 0;
    await json(url);
    expect((await h.get(await h.feedUrl('ack', 'rss'))).status).toBe(200);

    expect(before?.firstPulledAt).toBeUndefined();
    expect(after?.firstPulledAt).toBe(pulledAt);
    expect(h.calls.filter((c) => c.command === 'UpdateCommand')).toEqual([]);
  });

  it('redirects an asset link to a presigned URL of a few minutes, and counts the download', async () => {
    const item = parseJsonFeed((await h.get(await h.feedUrl('ack', 'json'))).body).items?.[0];
    const link = item?.attachments?.[0]?.url ?? '';

    const redirect = await h.get(link);
    const location = redirect.headers.get('location') ?? '';
    const bytes = Buffer.from(await (await fetch(location)).arrayBuffer());

    const delivery = await h.loa.deps.deliveries.get(deliveryIdFor('ack', 'feed', 'bai-ack', 1));
    expect(redirect.status).toBe(302);
    expect(Number(new URL(location).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(300);
    expect(bytes.equals(IMAGE)).toBe(true);
    expect(delivery).toMatchObject({ downloads: 1, lastDownloadedAt: h.clock.now().toISOString() });
  });
});
