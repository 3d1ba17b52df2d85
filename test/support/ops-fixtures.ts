import { expect } from 'vitest';
import type { Delivery } from '#domain/delivery.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import type { TestLoa } from './local-loa.ts';

const IMAGE = Buffer.from('bytes of a photo');

/** Creates an active agreement through the ops API, its webhook at `url` (plus a feed channel when asked). */
export async function createAgreement(
  loa: TestLoa,
  agreementId: string,
  url: string,
  opts: { topics?: string[]; feed?: boolean; partnerName?: string } = {},
) {
  const res = await loa.ops('POST', '/ops/agreements', {
    agreementId,
    partner: { partnerId: `${agreementId}-partner`, name: opts.partnerName ?? 'Báo Hà Giang' },
    validFrom: '2024-01-01',
    validTo: '2099-12-31',
    topics: opts.topics ?? ['infrastructure'],
    languages: ['vi'],
    channels: [{ type: 'webhook', url }, ...(opts.feed ? [{ type: 'feed' }] : [])],
  });
  expect(res.status).toBe(201);
  return res.json.agreement;
}

/** Creates an active agreement through the ops API with one feed channel (infrastructure, Vietnamese). */
export async function createFeedAgreement(loa: TestLoa, agreementId: string) {
  const res = await loa.ops('POST', '/ops/agreements', {
    agreementId,
    partner: { partnerId: `${agreementId}-partner`, name: 'Báo Hà Giang' },
    validFrom: '2024-01-01',
    validTo: '2099-12-31',
    topics: ['infrastructure'],
    languages: ['vi'],
    channels: [{ type: 'feed' }],
  });
  expect(res.status).toBe(201);
  return res.json.agreement;
}

/** Approves an article through the bus, as the CMS does (its asset uploaded first). */
export async function approve(
  loa: TestLoa,
  articleId: string,
  overrides: { topics?: string[]; version?: number; title?: string } = {},
) {
  const article = articleFixture({
    articleId,
    topics: overrides.topics ?? ['infrastructure'],
    ...(overrides.version && { version: overrides.version }),
    ...(overrides.title && { title: overrides.title }),
  });
  const entries = await loa.approveArticle(article, IMAGE);
  expect(entries[0]).toHaveProperty('EventId');
  return article;
}

/** A minimal ninjs manifest in the packages bucket, for deliveries written straight to the store. */
export async function putManifest(loa: TestLoa, key: string): Promise<{ bucket: string; key: string }> {
  await loa.deps.packages.putManifest(
    key,
    JSON.stringify({
      uri: 'urn:loa:seeded',
      version: '1',
      headlines: [{ value: 'Seeded' }],
      associations: [],
    }),
  );
  return { bucket: loa.deps.config.packagesBucket, key };
}

/**
 * Writes `count` failed webhook deliveries straight to the delivery store (create, then one failed
 * outcome), `concurrency` at a time: much faster than the whole pipeline, and the same items.
 */
export async function seedFailed(
  loa: TestLoa,
  opts: { agreementId: string; partnerId: string; count: number; prefix: string; concurrency?: number },
): Promise<Delivery[]> {
  const manifest = await putManifest(loa, `packages/${opts.prefix}/v1/ninjs.json`);
  const made: Delivery[] = [];
  const at = new Date().toISOString();
  const one = async (i: number) => {
    const d = deliveryFixture({
      agreementId: opts.agreementId,
      partnerId: opts.partnerId,
      articleId: `${opts.prefix}-${String(i).padStart(5, '0')}`,
      manifest,
      createdAt: at,
      updatedAt: at,
      title: `Bài ${i}`,
    });
    expect(await loa.deps.deliveries.create(d)).toBe(true);
    const ok = await loa.deps.deliveries.recordOutcome(d, {
      status: 'failed',
      attempt: {
        n: 1,
        at,
        trigger: 'scheduled',
        outcome: 'failed',
        httpStatus: 400,
        error: 'HTTP 400',
        durationMs: 1,
      },
      lastError: 'HTTP 400',
    });
    expect(ok).toBe(true);
    made.push(d);
  };
  const concurrency = opts.concurrency ?? 25;
  for (let i = 0; i < opts.count; i += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, opts.count - i) }, (_, k) => one(i + k)));
  }
  return made;
}

/** Polls a job (`/ops/replays/{id}` or `/ops/backfills/{id}`) until it ends; returns its last state. */
export async function untilJobEnds(loa: TestLoa, path: string, maxPolls = 600) {
  for (let i = 0; i < maxPolls; i++) {
    const res = await loa.ops('GET', path);
    expect(res.status).toBe(200);
    if (['done', 'cancelled', 'failed'].includes(res.json.status)) return res.json;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${path} did not end`);
}

/**
 * What a test says of an agreement it creates through the ops API; the rest is the usual: valid from
 * 2024 on, in Vietnamese, the partner's id the agreement's unless `partnerId` is given.
 */
export interface AgreementRequest {
  agreementId: string;
  partnerName: string;
  partnerId?: string;
  topics: string[];
  channels: unknown[];
  /** Further fields of the request (embargo, commitments, other languages or dates), sent as they are. */
  [field: string]: unknown;
}

/** The body of `POST /ops/agreements` for `request`. */
export function agreementRequest({
  agreementId,
  partnerName,
  partnerId = agreementId,
  ...fields
}: AgreementRequest) {
  return {
    agreementId,
    partner: { partnerId, name: partnerName },
    validFrom: '2024-01-01',
    validTo: '2099-12-31',
    languages: ['vi'],
    ...fields,
  };
}

/** Creates an agreement through the ops API, failing the test unless it is a 201; returns the response body. */
export async function postAgreement(
  loa: Pick<TestLoa, 'ops'>,
  request: AgreementRequest,
  // biome-ignore lint/suspicious/noExplicitAny: each test reads the secrets it asked for
): Promise<{ agreement: any; secrets: Record<string, string> }> {
  const res = await loa.ops('POST', '/ops/agreements', agreementRequest(request));
  expect(res.status, res.text).toBe(201);
  return res.json;
}
