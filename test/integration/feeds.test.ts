import { parseAtomFeed, parseJsonFeed, parseRssFeed } from 'feedsmith';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOMBSTONE_RETENTION_MS } from '#domain/feed.ts';
import { DETAIL_TYPE, SOURCE } from '#schemas/events.ts';
import { type FeedHarness, startFeedHarness } from '#test/support/feed-harness.ts';
import { validateNinjs } from '#test/support/ninjs-validator.ts';
import { xmlProblems } from '#test/support/xml-well-formed.ts';

const id = (articleId: string, version = 1) => `http://loa.example/articles/${articleId}/versions/${version}`;
const MINUTE = 60_000;

let h: FeedHarness;

/** The ids a feed lists, newest first, read with feedsmith. */
async function rssIds(agreementId: string): Promise<string[]> {
  const res = await h.get(await h.feedUrl(agreementId, 'rss'));
  expect(res.status, res.body).toBe(200);
  return (parseRssFeed(res.body).items ?? []).map((i) => i.guid?.value ?? '');
}

async function jsonItems(agreementId: string) {
  const res = await h.get(await h.feedUrl(agreementId, 'json'));
  expect(res.status, res.body).toBe(200);
  return JSON.parse(res.body).items as { id: string; _loa: { pubStatus: string } }[];
}

beforeAll(async () => {
  h = await startFeedHarness('2025-06-01T08:00:00.000Z');
  await h.agreement('vtv4');
  await h.agreement('ocop-portal', { topics: ['ocop-products'], languages: ['vi'] });
  await h.approve('le-ky-ket', {
    title: 'Hà Giang & VTV4 ký kết <phối hợp> tuyên truyền',
    topics: ['culture-tourism'],
  });
  h.clock.advance(MINUTE);
  await h.approve('ocop-che-shan', { topics: ['ocop-products'], title: 'Chè Shan tuyết OCOP 5 sao' });
  h.clock.advance(MINUTE);
});

afterAll(async () => {
  await h?.close();
});

describe('a partner reading its signed feed', () => {
  it('serves RSS with Media RSS that feedsmith reads, Vietnamese intact and asset links signed', async () => {
    const res = await h.get(await h.feedUrl('vtv4', 'rss'));

    const item = parseRssFeed(res.body).items?.[0];
    expect(res.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    expect(xmlProblems(res.body)).toEqual([]);
    expect(item?.title).toBe('Hà Giang & VTV4 ký kết <phối hợp> tuyên truyền');
    expect(item?.dc?.creators).toEqual(['Ban Tuyên giáo Tỉnh ủy Hà Giang']);
    expect(item?.media?.contents?.[0]).toMatchObject({
      type: 'image/jpeg',
      medium: 'image',
      width: 320,
      height: 184,
    });
    expect(item?.media?.contents?.[0]?.url).toMatch(
      new RegExp(`^${h.loa.baseUrl}/assets/vtv4/[A-Za-z0-9_-]+\\?expires=\\d+&kid=k1&sig=[A-Za-z0-9_-]{43}$`),
    );
  });

  it('serves Atom and JSON Feed that feedsmith reads', async () => {
    const atom = await h.get(await h.feedUrl('vtv4', 'atom'));
    const json = await h.get(await h.feedUrl('vtv4', 'json'));

    expect(atom.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(xmlProblems(atom.body)).toEqual([]);
    expect(parseAtomFeed(atom.body).entries?.map((e) => e.title?.value)).toEqual([
      'Hà Giang & VTV4 ký kết <phối hợp> tuyên truyền',
    ]);
    expect(json.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
    expect(parseJsonFeed(json.body).items?.map((i) => i.id)).toEqual([id('le-ky-ket')]);
  });

  it('serves a ninjs list whose every item is valid ninjs 2.1', async () => {
    const res = await h.get(await h.feedUrl('vtv4', 'ninjs'));

    const page = JSON.parse(res.body);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(page.items.map((i: { uri: string }) => i.uri)).toEqual(['http://loa.example/articles/le-ky-ket']);
    for (const item of page.items) expect(validateNinjs(item)).toEqual([]);
  });

  it("lists only the agreement's own feed items", async () => {
    expect(await rssIds('vtv4')).toEqual([id('le-ky-ket')]);
    expect(await rssIds('ocop-portal')).toEqual([id('ocop-che-shan')]);
  });

  it('lists items newest first', async () => {
    await h.approve('duong-ha-giang', { topics: ['infrastructure'] });
    h.clock.advance(MINUTE);

    expect(await rssIds('vtv4')).toEqual([id('duong-ha-giang'), id('le-ky-ket')]);
  });
});

describe('embargo', () => {
  it('holds an embargoed item until its embargo ends, then lists it at that time', async () => {
    const embargoUntil = new Date(h.clock.now().getTime() + 60 * MINUTE).toISOString();
    await h.approve('nghi-quyet-cam', { embargoUntil });
    h.clock.advance(MINUTE);
    await h.approve('sau-cam', { topics: ['infrastructure'] });
    h.clock.advance(MINUTE);

    const during = await rssIds('vtv4');
    h.clock.advance(60 * MINUTE);
    const after = await rssIds('vtv4');

    expect(during).not.toContain(id('nghi-quyet-cam'));
    expect(during[0]).toBe(id('sau-cam'));
    expect(after[0]).toBe(id('nghi-quyet-cam'));
    expect(after[1]).toBe(id('sau-cam'));
  });

  it('holds it even for an agreement that passes embargoes through to webhooks', async () => {
    await h.agreement('pass-through', { embargo: 'pass-through' });
    await h.approve('cam-2', { embargoUntil: new Date(h.clock.now().getTime() + 60 * MINUTE).toISOString() });
    h.clock.advance(MINUTE);

    expect(await rssIds('pass-through')).not.toContain(id('cam-2'));
  });
});

describe('embargo on signed asset links', () => {
  it('refuses an embargoed asset to a hold agreement before the embargo, with the reason, then serves it', async () => {
    const start = h.clock.now().toISOString();
    const embargoUntil = new Date(h.clock.now().getTime() + 30 * MINUTE).toISOString();
    await h.approve('anh-cam', { embargoUntil, topics: ['culture-tourism'] });
    h.clock.advance(31 * MINUTE);
    const res = await h.get(await h.feedUrl('vtv4', 'rss'));
    const item = (parseRssFeed(res.body).items ?? []).find((i) => i.guid?.value === id('anh-cam'));
    const link = item?.media?.contents?.[0]?.url ?? '';
    h.clock.set(start); // the same link, as a partner holding it would use it before the embargo

    const early = await h.get(link);
    h.clock.advance(31 * MINUTE);
    const late = await h.get(link);

    expect(early.status).toBe(403);
    expect(JSON.parse(early.body).detail).toBe(`embargoed until ${embargoUntil}`);
    expect(late.status).toBe(302);
  });
});

describe('corrections in a feed', () => {
  it('holds one entry per article, at its latest version with its update time', async () => {
    await h.approve('dinh-chinh', { topics: ['culture-tourism'] });
    h.clock.advance(MINUTE);
    await h.approve('dinh-chinh', { topics: ['culture-tourism'], version: 2, title: 'Đính chính: lễ hội' });
    const updatedAt = h.clock.now().toISOString();
    h.clock.advance(MINUTE);

    const res = await h.get(await h.feedUrl('vtv4', 'json'));

    const items = (
      JSON.parse(res.body).items as { id: string; title: string; date_published: string }[]
    ).filter((i) => i.id.includes('/dinh-chinh/'));
    expect(items).toEqual([
      expect.objectContaining({
        id: id('dinh-chinh', 2),
        title: 'Đính chính: lễ hội',
        date_published: updatedAt,
      }),
    ]);
  });
});

describe('withdrawal', () => {
  async function withdraw(articleId: string) {
    await h.loa.putEvents([
      {
        source: SOURCE.cms,
        detailType: DETAIL_TYPE.contentWithdrawn,
        detail: { articleId, reason: 'Rút để hiệu đính', withdrawnAt: h.clock.now().toISOString() },
      },
    ]);
    await h.loa.settled();
    h.clock.advance(MINUTE);
  }

  it('takes the item out of RSS and Atom, and leaves a canceled tombstone in JSON Feed and ninjs', async () => {
    await h.approve('bai-rut', { topics: ['culture-tourism'] });
    h.clock.advance(MINUTE);
    expect(await rssIds('vtv4')).toContain(id('bai-rut'));

    await withdraw('bai-rut');

    const atom = parseAtomFeed((await h.get(await h.feedUrl('vtv4', 'atom'))).body);
    const ninjs = JSON.parse((await h.get(await h.feedUrl('vtv4', 'ninjs'))).body);
    const tombstone = ninjs.items.find(
      (i: { uri: string }) => i.uri === 'http://loa.example/articles/bai-rut',
    );
    expect(await rssIds('vtv4')).not.toContain(id('bai-rut'));
    expect(atom.entries?.map((e) => e.id)).not.toContain(id('bai-rut'));
    expect((await jsonItems('vtv4')).find((i) => i.id === id('bai-rut'))?._loa.pubStatus).toBe('canceled');
    expect(tombstone).toMatchObject({ pubstatus: 'canceled', version: '1' });
    expect(tombstone).not.toHaveProperty('headlines');
    expect(validateNinjs(tombstone)).toEqual([]);
  });

  it('puts the tombstone where a reader following `since` meets it', async () => {
    await h.approve('bai-rut-2', { topics: ['culture-tourism'] });
    h.clock.advance(MINUTE);
    const before = await h.get(await h.feedUrl('vtv4', 'json'));
    const next = JSON.parse(before.body).next_url as string;

    await withdraw('bai-rut-2');

    const page = JSON.parse((await h.get(next)).body);
    expect(page.items.map((i: { id: string }) => i.id)).toEqual([id('bai-rut-2')]);
    expect(page.items[0]._loa.pubStatus).toBe('canceled');
  });

  it('keeps the tombstone for one retention period, then drops it', async () => {
    await h.approve('bai-rut-3', { topics: ['culture-tourism'] });
    h.clock.advance(MINUTE);
    await withdraw('bai-rut-3');
    expect((await jsonItems('vtv4')).map((i) => i.id)).toContain(id('bai-rut-3'));

    h.clock.advance(TOMBSTONE_RETENTION_MS);

    expect((await jsonItems('vtv4')).map((i) => i.id)).not.toContain(id('bai-rut-3'));
  });

  it('never shows an item withdrawn before its embargo ended, not even as a tombstone', async () => {
    await h.approve('cam-rut', {
      embargoUntil: new Date(h.clock.now().getTime() + 60 * MINUTE).toISOString(),
    });
    await withdraw('cam-rut');
    h.clock.advance(61 * MINUTE);

    expect((await jsonItems('vtv4')).map((i) => i.id)).not.toContain(id('cam-rut'));
  });

  it('records the withdrawal on the delivery, once, for a repeated event', async () => {
    await h.approve('bai-rut-4', { topics: ['culture-tourism'] });
    h.clock.advance(MINUTE);
    await withdraw('bai-rut-4');
    const first = (await h.loa.deps.deliveries.listByArticle('bai-rut-4')).find(
      (d) => d.channelType === 'feed',
    );

    await withdraw('bai-rut-4');

    const again = (await h.loa.deps.deliveries.listByArticle('bai-rut-4')).find(
      (d) => d.channelType === 'feed',
    );
    expect(first).toMatchObject({ withdrawReason: 'Rút để hiệu đính' });
    expect(first?.withdrawnAt).toBeDefined();
    expect(again?.withdrawnAt).toBe(first?.withdrawnAt);
  });
});
