import { expect } from 'vitest';
import type { Article } from '#schemas/article.ts';
import { DETAIL_TYPE, SOURCE } from '#schemas/events.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';

export const IMAGE = Buffer.from('ảnh giả: the bytes a partner must get back exactly');

/** A clock tests move by hand; the local runtime's handlers read it through deps. */
export class ManualClock {
  constructor(private at: Date) {}
  now = () => new Date(this.at);
  set(iso: string) {
    this.at = new Date(iso);
  }
  advance(ms: number) {
    this.at = new Date(this.at.getTime() + ms);
  }
}

/** One AWS SDK request a handler made. */
export interface SdkCall {
  service: string;
  command: string;
  input: Record<string, unknown>;
}

export interface FeedHarness {
  loa: TestLoa;
  clock: ManualClock;
  /** Every AWS SDK request the handlers made, in order (tests may empty it). */
  calls: SdkCall[];
  /** Creates an agreement with a feed channel through the ops API. */
  agreement(agreementId: string, overrides?: Record<string, unknown>): Promise<void>;
  /** Uploads the article's assets and approves it through the bus; resolves once it is routed. */
  approve(articleId: string, overrides?: Partial<Article>): Promise<Article>;
  /** Mints a signed feed URL through the ops API. */
  feedUrl(agreementId: string, format: string, ttlSeconds?: number): Promise<string>;
  get(
    url: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: string }>;
  close(): Promise<void>;
}

/** The whole local runtime on free ports, with its clock under the test's control. */
export async function startFeedHarness(start = '2025-06-01T08:00:00.000Z'): Promise<FeedHarness> {
  const calls: SdkCall[] = [];
  const loa = await startTestLoa({
    clientHook: (service, client) =>
      client.middlewareStack.add(
        (next, context) => async (args) => {
          calls.push({
            service,
            command: String(context.commandName),
            input: args.input as Record<string, unknown>,
          });
          return next(args);
        },
        { step: 'initialize', name: 'feedHarnessCalls' },
      ),
  });
  const clock = new ManualClock(new Date(start));
  loa.deps.clock = { now: clock.now };
  return {
    loa,
    clock,
    calls,
    async agreement(agreementId, overrides = {}) {
      const res = await loa.ops('POST', '/ops/agreements', {
        agreementId,
        partner: { partnerId: agreementId, name: 'Ban Truyền hình đối ngoại VTV4 & "bạn bè"' },
        validFrom: '2024-01-01',
        validTo: '2099-12-31',
        topics: ['infrastructure', 'culture-tourism'],
        languages: ['vi', 'en'],
        channels: [{ type: 'feed' }],
        ...overrides,
      });
      expect(res.status, res.text).toBe(201);
    },
    async approve(articleId, overrides = {}) {
      const article = articleFixture({ articleId, approvedAt: clock.now().toISOString(), ...overrides });
      for (const asset of article.assets) await loa.upload(asset.uri.replace('s3://loa-content/', ''), IMAGE);
      await loa.putEvents([
        { source: SOURCE.cms, detailType: DETAIL_TYPE.contentApproved, detail: { article } },
      ]);
      await loa.settled();
      return article;
    },
    async feedUrl(agreementId, format, ttlSeconds) {
      const res = await loa.ops('POST', `/ops/agreements/${agreementId}/feed-url`, {
        format,
        ...(ttlSeconds && { ttlSeconds }),
      });
      expect(res.status, res.text).toBe(200);
      return res.json.url;
    },
    async get(url, headers = {}) {
      const res = await fetch(url, { headers, redirect: 'manual' });
      return { status: res.status, headers: res.headers, body: await res.text() };
    },
    close: () => loa.close(),
  };
}
