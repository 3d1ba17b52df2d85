/**
 * The bad-input corpus (test/fixtures/bad/, format in its README) through Loa's public entry points:
 * EventBridge PutEvents, the ops API and signed feed URLs. Each input gets a clear error or a recorded
 * rejection (or, for HTML, is delivered sanitised), and the good approvals sent between the bad ones
 * are all delivered.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedKeyOf, feedPath, signedUrl } from '#app/feed-keys.ts';
import { BUS_NAME } from '#infra/wiring.ts';
import type { Rejection } from '#ports/rejection-store.ts';
import type { Article } from '#schemas/article.ts';
import { DETAIL_TYPE, SOURCE } from '#schemas/events.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { FaultPartner, ok } from '#test/support/fault-partner.ts';
import { OPS_TOKEN, startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { postAgreement } from '#test/support/ops-fixtures.ts';

const DIR = fileURLToPath(new URL('../fixtures/bad/', import.meta.url));
const AGREEMENT = 'corpus-partner';
const OTHER = 'corpus-other';

type Json = Record<string, unknown>;
interface Fixture<E = Json> {
  name: string;
  description: string;
  expect: E;
  [key: string]: unknown;
}
type EventExpect = {
  putEvents?: string;
  rejected?: string;
  ignored?: true;
  delivered?: { bodyIncludes?: string[]; bodyExcludes?: string[] };
};
type OpsExpect = { status: number; error?: string; problems?: string[] };
type FeedExpect = { status: number | number[] };

/** `{"$repeat": s, "times": n, "prefix"?, "suffix"?}` becomes a string, so huge inputs stay small files. */
function expand(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(expand);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Json;
  if (typeof o.$repeat === 'string') {
    return `${o.prefix ?? ''}${o.$repeat.repeat(Number(o.times))}${o.suffix ?? ''}`;
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, expand(v)]));
}

function load<E>(kind: string): Fixture<E>[] {
  return readdirSync(`${DIR}${kind}`)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map(
      (f) =>
        ({
          name: f.replace(/\.json$/, ''),
          ...(expand(JSON.parse(readFileSync(`${DIR}${kind}/${f}`, 'utf8'))) as Json),
        }) as Fixture<E>,
    );
}

const events = load<EventExpect>('events');
const opsCases = load<OpsExpect>('ops');
const feedCases = load<FeedExpect>('feeds');

/** The fixture's article: the Vietnamese sample with its overrides (null removes a field). */
function articleOf(f: Fixture): Article {
  const overrides = (f.article ?? {}) as Json;
  const article: Json = {
    ...articleFixture({ articleId: `bad-${f.name}`, topics: ['culture-tourism'] }),
    ...overrides,
  };
  for (const [k, v] of Object.entries(overrides)) if (v === null) delete article[k];
  return article as unknown as Article;
}

/** The detail a fixture sends: its raw text, its own object (`$article` stands for the article), or the article. */
function detailOf(f: Fixture): string {
  if (typeof f.detailText === 'string') return f.detailText;
  if (f.detail) {
    const { $article, ...rest } = f.detail as Json;
    return JSON.stringify($article === undefined ? rest : { article: articleOf(f), ...rest });
  }
  return JSON.stringify({ article: articleOf(f) });
}

let open: TestLoa;
let guarded: TestLoa;
let partner: FaultPartner;
const goodIds: string[] = [];
const results = new Map<string, PutEventsResultEntry>();
let rejections: Rejection[] = [];

/** What the partner received for an article, by the ninjs altid Loa puts in every document. */
function receivedFor(articleId: string) {
  return partner.requests.filter((r) => {
    try {
      const data = (JSON.parse(r.body) as { data: { altids: { role: string; value: string }[] } }).data;
      return data.altids.some((a) => a.role === 'loa:articleId' && a.value === articleId);
    } catch {
      return false;
    }
  });
}

beforeAll(async () => {
  partner = await new FaultPartner(() => ok).start();
  [open, guarded] = await Promise.all([startTestLoa(), startTestLoa({ allowPrivateTargets: false })]);
  for (const agreementId of [AGREEMENT, OTHER]) {
    const res = await postAgreement(open, {
      agreementId,
      partnerName: 'Báo Hà Giang',
      topics: agreementId === AGREEMENT ? ['culture-tourism'] : ['border-security'],
      channels: [{ type: 'webhook', url: partner.url(`/${agreementId}`) }, { type: 'feed' }],
    });
    if (agreementId === AGREEMENT) partner.secret = res.secrets.webhook;
  }

  // Every bad event is followed by a good approval in the same PutEvents call.
  const entries = events.flatMap((f, i) => {
    const good = articleFixture({ articleId: `good-${i}`, topics: ['culture-tourism'] });
    goodIds.push(good.articleId);
    const entry = (f.entry ?? {}) as Json;
    return [
      {
        name: f.name,
        EventBusName: (entry.EventBusName as string | undefined) ?? BUS_NAME,
        Source: (entry.Source as string | undefined) ?? SOURCE.cms,
        DetailType: (entry.DetailType as string | undefined) ?? DETAIL_TYPE.contentApproved,
        Detail: detailOf(f),
        upload:
          f.uploadAssets !== false && !(f.article as Json | undefined)?.assets ? articleOf(f) : undefined,
      },
      {
        name: '',
        EventBusName: BUS_NAME,
        Source: SOURCE.cms,
        DetailType: DETAIL_TYPE.contentApproved,
        Detail: JSON.stringify({ article: good }),
        upload: good,
      },
    ];
  });
  for (const e of entries) {
    for (const a of e.upload?.assets ?? [])
      await open.upload(a.uri.replace('s3://loa-content/', ''), 'image');
  }
  type Entry = (typeof entries)[number];
  // A call with a source the CMS may not use is refused whole (AccessDeniedException, as IAM does on
  // AWS): such a batch is sent again one entry a call, so each entry gets its own answer.
  const send = async (batch: Entry[]): Promise<void> => {
    try {
      const out = await open.events.send(
        new PutEventsCommand({
          Entries: batch.map(({ EventBusName, Source, DetailType, Detail }) => ({
            EventBusName,
            Source,
            DetailType,
            Detail,
          })),
        }),
      );
      batch.forEach((e, n) => {
        const result = out.Entries?.[n];
        if (e.name && result) results.set(e.name, result);
      });
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'AccessDeniedException') throw error;
      if (batch.length > 1) {
        for (const e of batch) await send([e]);
        return;
      }
      const e = batch[0];
      if (e?.name) results.set(e.name, { ErrorCode: error.name, ErrorMessage: error.message });
    }
  };
  for (let i = 0; i < entries.length; i += 10) await send(entries.slice(i, i + 10));
  await open.settled();
  rejections = await open.deps.rejections.list(1000);
}, 120_000);

afterAll(async () => {
  await Promise.all([open?.close(), guarded?.close()]);
  await partner?.stop();
});

describe('the corpus', () => {
  it('holds at least 50 bad inputs, each described', () => {
    const all = [...events, ...opsCases, ...feedCases];
    expect(all.length).toBeGreaterThanOrEqual(50);
    expect(all.filter((f) => typeof f.description !== 'string' || !f.expect)).toEqual([]);
  });
});

describe('bad events through PutEvents', () => {
  it.each(events.map((f) => [f.name, f] as const))('%s', async (_name, f) => {
    const result = results.get(f.name);
    const want = f.expect;
    if (want.putEvents) {
      expect(result).toMatchObject({ ErrorCode: want.putEvents, ErrorMessage: expect.any(String) });
      return;
    }
    const eventId = result?.EventId;
    expect(eventId, `${f.name} was refused: ${result?.ErrorMessage}`).toBeTypeOf('string');
    const mine = rejections.filter((r) => r.eventId === eventId);
    if (want.rejected) {
      expect(mine.flatMap((r) => r.problems)).toContainEqual(
        expect.stringMatching(new RegExp(want.rejected)),
      );
      return;
    }
    expect(mine).toEqual([]);
    const articleId = articleOf(f).articleId;
    const received = receivedFor(articleId);
    if (want.ignored) {
      expect(received).toEqual([]);
      expect(await open.deps.deliveries.listByArticle(articleId)).toEqual([]);
      return;
    }
    expect(received).toHaveLength(1);
    const body = received[0]?.body ?? '';
    for (const s of want.delivered?.bodyIncludes ?? []) expect(body).toContain(s);
    for (const s of want.delivered?.bodyExcludes ?? [])
      expect(body.toLowerCase()).not.toContain(s.toLowerCase());
  });

  it('delivers every good approval sent between the bad ones, once, signed', () => {
    const missing = goodIds.filter((id) => receivedFor(id).length !== 1);
    expect(missing).toEqual([]);
    expect(partner.requests.filter((r) => r.signatureValid === false)).toEqual([]);
    expect(partner.duplicateSuccesses()).toEqual([]);
  });

  it('keeps the good article text byte for byte through sanitising', () => {
    const sample = articleFixture();
    const [post] = receivedFor(goodIds[0] ?? '');
    const data = (JSON.parse(post?.body ?? '{}') as { data: { bodies: { value: string }[] } }).data;
    expect(
      Buffer.from(data.bodies[0]?.value ?? '', 'utf8').equals(Buffer.from(sample.bodyHtml, 'utf8')),
    ).toBe(true);
  });
});

describe('bad requests to the ops API', () => {
  const authorization = (token: unknown) => {
    if (token === 'none') return undefined;
    if (token === 'wrong') return 'Bearer not-the-token';
    if (token === 'truncated') return `Bearer ${OPS_TOKEN.slice(0, -1)}`;
    if (token === 'basic') return `Basic ${Buffer.from(`ops:${OPS_TOKEN}`).toString('base64')}`;
    return `Bearer ${OPS_TOKEN}`;
  };

  it.each(opsCases.map((f) => [f.name, f] as const))('%s', async (_name, f) => {
    const loa = f.loa === 'guarded' ? guarded : open;
    const path = String(f.path).replace('$TOKEN', OPS_TOKEN).replace('$AGREEMENT', AGREEMENT);
    let body: string | undefined;
    if (typeof f.bodyText === 'string') body = f.bodyText;
    else if (f.body) body = JSON.stringify(f.body);
    else if (f.agreement) {
      body = JSON.stringify({
        agreementId: `bad-ops-${f.name}`,
        partner: { partnerId: 'bad', name: 'Báo Tuổi Trẻ' },
        validFrom: '2024-01-01',
        validTo: '2099-12-31',
        topics: ['culture-tourism'],
        languages: ['vi'],
        channels: [{ type: 'webhook', url: 'https://partner.example/loa' }],
        ...(f.agreement as Json),
      });
    }
    const auth = authorization(f.token);
    const res = await fetch(`${loa.baseUrl}${path}`, {
      method: String(f.method),
      headers: { 'content-type': 'application/json', ...(auth && { authorization: auth }) },
      ...(body !== undefined && { body }),
    });
    const text = await res.text();

    expect(res.status, text).toBe(f.expect.status);
    expect(text).not.toContain(OPS_TOKEN);
    if (f.expect.status === 401)
      expect(JSON.parse(text)).toMatchObject({ status: 401, detail: 'missing or wrong ops token' });
    if (f.expect.error) expect(JSON.parse(text).error).toMatch(new RegExp(f.expect.error));
    for (const p of f.expect.problems ?? []) {
      expect(JSON.parse(text).problems).toContainEqual(expect.stringMatching(new RegExp(p)));
    }
    if (f.agreement) expect((await loa.ops('GET', `/ops/agreements/bad-ops-${f.name}`)).status).toBe(404);
  });
});

describe('bad feed URLs', () => {
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const keyOf = async (agreementId: string) =>
    (await feedKeyOf(open.deps.secrets, await open.deps.agreements.get(agreementId), agreementId, 'k1')) ??
    '';

  async function mutated(mutation: unknown): Promise<string> {
    const minted = await open.ops('POST', `/ops/agreements/${AGREEMENT}/feed-url`, { format: 'rss' });
    expect(minted.status).toBe(200);
    const valid = new URL(minted.json.url as string);
    const key = await keyOf(AGREEMENT);
    const exp = nowSeconds() + 3600;
    const base = open.baseUrl;
    const path = feedPath(AGREEMENT, 'rss');
    switch (mutation) {
      case 'tamper-sig': {
        const sig = valid.searchParams.get('sig') ?? '';
        valid.searchParams.set('sig', `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`);
        return valid.toString();
      }
      case 'tamper-expires':
        valid.searchParams.set('expires', String(Number(valid.searchParams.get('expires')) + 86_400));
        return valid.toString();
      case 'expired':
        return signedUrl(base, path, key, 'k1', nowSeconds() - 60);
      case 'unknown-kid':
        return signedUrl(base, path, key, 'k9', exp);
      case 'other-agreement-key':
        return signedUrl(base, path, await keyOf(OTHER), 'k1', exp);
      case 'unknown-agreement':
        return signedUrl(base, feedPath('no-such-agreement', 'rss'), key, 'k1', exp);
      case 'missing-sig':
        valid.searchParams.delete('sig');
        return valid.toString();
      case 'duplicate-sig':
        return `${valid.toString()}&sig=${valid.searchParams.get('sig')}`;
      case 'bad-format':
        return signedUrl(base, `/feeds/${AGREEMENT}.xml`, key, 'k1', exp);
      case 'path-traversal':
        return `${base}/feeds/..%2F..%2Fsecrets.json${valid.search}`;
      case 'since-garbage':
        return `${valid.toString()}&since=garbage`;
      case 'limit-zero':
        return `${valid.toString()}&limit=0`;
    }
    throw new Error(`unknown mutation ${String(mutation)}`);
  }

  it('serves the untouched URL, so the refusals below are the mutations', async () => {
    const minted = await open.ops('POST', `/ops/agreements/${AGREEMENT}/feed-url`, { format: 'rss' });
    const res = await fetch(minted.json.url as string);
    expect(res.status).toBe(200);
  });

  it.each(feedCases.map((f) => [f.name, f] as const))('%s', async (_name, f) => {
    const res = await fetch(await mutated((f.feed as Json).mutate));
    const body = await res.text();
    const allowed = ([] as number[]).concat(f.expect.status);
    expect(allowed, body).toContain(res.status);
    expect(body).not.toMatch(/<rss|<item|Hà Giang/);
  });
});
