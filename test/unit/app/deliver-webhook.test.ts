import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { NodeHttpClient } from '#adapters/channels/node-http-client.ts';
import { WebhookAdapter } from '#adapters/channels/webhook.ts';
import { deliver } from '#app/deliver.ts';
import type { Deps } from '#app/deps.ts';
import type { Delivery } from '#domain/delivery.ts';
import { pausedCircuit } from '#domain/pause.ts';
import { DEFAULT_RETRY_POLICY } from '#domain/retry-policy.ts';
import { TargetRefusedError } from '#domain/target-policy.ts';
import type { ArticleWithdrawal } from '#domain/withdrawal.ts';
import type { CircuitStore } from '#ports/circuit-store.ts';
import type { HttpResult } from '#ports/http-client.ts';
import { routedOf, type WorkMessage } from '#ports/work-queue.ts';
import type { Agreement } from '#schemas/agreement.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { memoryDeps, memoryPorts, testConfig } from '#test/support/memory/deps.ts';
import {
  MemoryAgreementStore,
  MemoryCircuitStore,
  MemoryJobStore,
  RecordingHttpClient,
} from '#test/support/memory/ports.ts';

/** The generic worker with the webhook adapter, as the deliver-webhook function builds it. */
const deliverWebhook = (deps: Deps, msg: WorkMessage) =>
  deliver(deps, { webhook: new WebhookAdapter(deps) }, msg);

const NOW = new Date('2026-03-01T08:00:00Z');
const BREAKER = { failureThreshold: 2, openMs: 30_000, maxOpenMs: 60_000 };
const URL_OK = 'https://cms.partner.example/hook';

/** Every delivery here points at the one manifest the package store holds, whatever its version. */
const MANIFEST = { bucket: 'loa-packages', key: 'packages/a1/v1/ninjs.json' };

function delivery(overrides: Partial<Delivery> = {}): Delivery {
  return deliveryFixture({
    deliveryId: `dlv_${Math.random().toString(36).slice(2)}`,
    articleId: 'a1',
    title: 'Hà Giang',
    manifest: MANIFEST,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    ...overrides,
  });
}

/** Deps of in-memory ports, the partner answering with `answer`. */
function fakeDeps(answer: (url: string) => Promise<HttpResult>, config: Record<string, unknown> = {}) {
  const ports = memoryPorts();
  const http = new RecordingHttpClient((req) => answer(req.url));
  let now = NOW;
  const deps = memoryDeps(
    {
      config: testConfig({
        retryPolicy: { ...DEFAULT_RETRY_POLICY, maxAttempts: 4, baseDelayMs: 1000 },
        circuitBreaker: BREAKER,
        ...config,
      }),
      clock: { now: () => now },
      http,
    },
    ports,
  );
  const agreement = agreementFixture({
    channels: [{ channelId: 'webhook', type: 'webhook', url: URL_OK, secretRef: 's' }],
  });
  ports.agreements.items.set(agreement.agreementId, agreement);
  ports.secrets.items.set('s', `whsec_${Buffer.alloc(32, 1).toString('base64')}`);
  ports.packages.put(MANIFEST, JSON.stringify({ uri: 'x', associations: [] }));
  return {
    deps,
    items: ports.deliveries.items,
    writes: ports.deliveries.outcomes,
    enqueued: ports.queue.batches,
    get posts() {
      return http.sent.map((req) => req.url);
    },
    get bodies(): { type: string; data: Record<string, unknown> }[] {
      return http.sent.map((req) => JSON.parse(String(req.body)));
    },
    add: (d: Delivery) => ports.deliveries.items.set(d.deliveryId, d),
    withdraw: (w: ArticleWithdrawal) => ports.withdrawals.items.set(w.articleId, w),
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

const scheduled = (d: Delivery): WorkMessage => ({ deliveryId: d.deliveryId, trigger: 'scheduled' });
const timeout: HttpResult = { kind: 'network-error', error: 'timeout', durationMs: 10_000 };
const answered = (status: number, headers: Record<string, string> = {}): HttpResult => ({
  kind: 'response',
  status,
  headers,
  durationMs: 5,
});

describe('deliverWebhook', () => {
  it('discards a publish of a withdrawn article without a request', async () => {
    const f = fakeDeps(async () => answered(200));
    const d = delivery();
    f.add(d);
    f.withdraw({ articleId: 'a1', withdrawnAt: NOW.toISOString(), at: NOW.toISOString() });

    const result = await deliverWebhook(f.deps, scheduled(d));

    expect(result).toEqual({ kind: 'recorded', status: 'discarded' });
    expect(f.posts).toEqual([]);
    expect(f.writes[0]?.attempt.error).toBe('article withdrawn');
  });

  it('sends a takedown notice of a withdrawn article as article.withdrawn', async () => {
    const f = fakeDeps(async () => answered(204));
    const withdrawnAt = '2026-03-01T07:00:00.000Z';
    const d = delivery({ kind: 'withdrawal', version: 2, withdrawnAt, withdrawReason: 'legal' });
    f.add(d);
    f.withdraw({ articleId: 'a1', withdrawnAt, at: NOW.toISOString() });

    const result = await deliverWebhook(f.deps, scheduled(d));

    expect(result).toMatchObject({ kind: 'recorded', status: 'delivered' });
    expect(f.bodies[0]).toMatchObject({
      type: 'article.withdrawn',
      data: { uri: 'x', articleId: 'a1', version: '2', pubstatus: 'canceled', withdrawnAt, reason: 'legal' },
    });
  });

  it('announces a new version to a partner that has an older one as article.updated', async () => {
    const f = fakeDeps(async () => answered(200));
    const d = delivery({ version: 2, event: 'article.updated' });
    f.add(d);

    await deliverWebhook(f.deps, scheduled(d));

    expect(f.bodies[0]?.type).toBe('article.updated');
  });

  it('sends nothing for a delivery already through, read again just before sending', async () => {
    const f = fakeDeps(async () => answered(200));
    const d = delivery({ status: 'delivered', attemptCount: 1 });
    f.add(d);

    const result = await deliverWebhook(f.deps, scheduled(d));

    expect(result).toEqual({ kind: 'skipped', why: 'already delivered' });
    expect(f.posts).toEqual([]);
  });

  it('writes a failing delivery at its first failure and at its end, its attempts in between riding on the messages', async () => {
    const f = fakeDeps(async () => answered(503));
    const d = delivery();
    f.add(d);

    let msg: WorkMessage | undefined = scheduled(d);
    const results: string[] = [];
    for (let i = 0; i < 4 && msg; i++) {
      const before = f.enqueued.length;
      const result = await deliverWebhook(f.deps, msg);
      results.push(result.kind === 'recorded' ? result.status : result.kind);
      msg = f.enqueued.length > before ? f.enqueued.at(-1)?.messages[0] : undefined;
      if (i === 0) expect(f.items.get(d.deliveryId)).toMatchObject({ status: 'retrying', attemptCount: 1 });
      if (i === 2) {
        // Two more attempts made, none written: the item still says what the first failure wrote.
        expect(f.items.get(d.deliveryId)).toMatchObject({ status: 'retrying', attemptCount: 1 });
        expect(msg?.carry).toMatchObject({ since: 1, attemptCount: 3 });
      }
      f.advance(60_000);
    }

    expect(results).toEqual(['retrying', 'retrying', 'retrying', 'failed']);
    expect(f.posts).toHaveLength(4);
    expect(f.writes.map((w) => w.status)).toEqual(['retrying', 'failed']);
    const ended = f.items.get(d.deliveryId);
    expect(ended).toMatchObject({ status: 'failed', attemptCount: 4, lastError: 'HTTP 503' });
    expect(ended?.attempts.map((a) => a.n)).toEqual([1, 2, 3, 4]);
    expect(f.writes[0]?.retriesEndBy).toBeDefined();
  });

  it('ends a carried message without a request once the delivery was written since', async () => {
    const f = fakeDeps(async () => answered(503));
    const d = delivery();
    f.add(d);
    await deliverWebhook(f.deps, scheduled(d));
    const carried = f.enqueued.at(-1)?.messages[0];
    if (!carried?.carry) throw new Error('no carried message');
    // Meanwhile another copy of the delivery's message was worked and its outcome written.
    const stored = f.items.get(d.deliveryId);
    f.add({ ...(stored as Delivery), status: 'retrying', attemptCount: 2 });
    f.advance(60_000);

    const result = await deliverWebhook(f.deps, carried);

    expect(result).toEqual({ kind: 'skipped', why: 'out of date: the delivery is retrying since' });
    expect(f.posts).toHaveLength(1);
  });

  it('aborts an attempt in flight when the signal fires, recording a retryable timeout', async () => {
    // A partner on loopback that takes the request and never answers within the policy's deadline.
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const http = new NodeHttpClient({ allowPrivateTargets: true });
    const f = fakeDeps(async () => timeout, { allowPrivateTargets: true });
    const deps: Deps = {
      ...f.deps,
      http,
      agreements: new MemoryAgreementStore([
        agreementFixture({ channels: [{ channelId: 'webhook', type: 'webhook', url, secretRef: 's' }] }),
      ]),
    };
    const d = delivery();
    f.add(d);
    const started = performance.now();

    try {
      await deliver(deps, { webhook: new WebhookAdapter(deps) }, scheduled(d), AbortSignal.timeout(200));
    } finally {
      http.close();
      server.closeAllConnections();
      server.close();
    }

    // Well before the policy's own per-request deadline.
    expect(deps.config.retryPolicy.timeoutMs).toBeGreaterThan(2_000);
    expect(performance.now() - started).toBeLessThan(2_000);
    const stored = f.items.get(d.deliveryId);
    expect(stored).toMatchObject({ status: 'retrying', attemptCount: 1 });
    expect(stored?.attempts[0]).toMatchObject({ outcome: 'retry', error: 'timeout' });
    expect(stored?.nextAttemptAt).toBeDefined();
  });

  it('stops calling an endpoint that keeps timing out, recording skipped attempts without a request', async () => {
    const f = fakeDeps(async () => timeout);
    const ds = [delivery(), delivery(), delivery()];
    for (const d of ds) f.add(d);

    for (const d of ds) await deliverWebhook(f.deps, scheduled(d));

    expect(f.posts).toHaveLength(2);
    const third = f.items.get(ds[2]?.deliveryId ?? '');
    expect(third).toMatchObject({ status: 'retrying', attemptCount: 1 });
    expect(third?.attempts[0]).toMatchObject({
      outcome: 'retry',
      skipped: 'circuit-open',
      error: 'circuit open: https://cms.partner.example kept failing, not called',
    });
    // Not before the circuit lets a probe through.
    expect(Date.parse(third?.nextAttemptAt ?? '') - NOW.getTime()).toBeGreaterThanOrEqual(30_000);
  });

  it('lets an operator replay through an open circuit', async () => {
    const f = fakeDeps(async () => timeout);
    const ds = [delivery(), delivery()];
    for (const d of ds) f.add(d);
    for (const d of ds) await deliverWebhook(f.deps, scheduled(d));
    const replayed = delivery();
    f.add(replayed);

    await deliverWebhook(f.deps, { deliveryId: replayed.deliveryId, trigger: 'manual' });

    expect(f.posts).toHaveLength(3);
  });

  it('lets quick 5xx answers through below the run that opens the circuit (4 of 5)', async () => {
    const f = fakeDeps(async () => answered(503));
    const ds = [delivery(), delivery(), delivery(), delivery()];
    for (const d of ds) f.add(d);

    for (const d of ds) await deliverWebhook(f.deps, scheduled(d));

    expect(f.posts).toHaveLength(4);
  });

  it('opens the circuit on a run of 5xx answers and shares it: another worker does not call either', async () => {
    const circuits = new MemoryCircuitStore();
    const stored = circuits.items;
    const first = fakeDeps(async () => answered(502), {
      circuitBreaker: { ...BREAKER, serverErrorThreshold: 3 },
    });
    const second = fakeDeps(async () => answered(200), {
      circuitBreaker: { ...BREAKER, serverErrorThreshold: 3 },
    });
    first.deps.circuits = circuits;
    second.deps.circuits = circuits;
    const ds = [delivery(), delivery(), delivery(), delivery()];
    for (const d of ds) first.add(d);
    const other = delivery();
    second.add(other);

    for (const d of ds) await deliverWebhook(first.deps, scheduled(d));
    await deliverWebhook(second.deps, scheduled(other));

    expect(first.posts).toHaveLength(3);
    expect(first.writes[3]?.attempt.skipped).toBe('circuit-open');
    expect(stored.get('https://cms.partner.example')).toMatchObject({ state: 'open', at: NOW.getTime() });
    expect(second.posts).toEqual([]);
    expect(second.writes[0]?.attempt.skipped).toBe('circuit-open');
  });

  it("waits as long as the partner's rate-limit reset asks, within the cap", async () => {
    const f = fakeDeps(async () => answered(429, { 'ratelimit-reset': '120' }));
    const d = delivery();
    f.add(d);

    await deliverWebhook(f.deps, scheduled(d));

    expect(f.writes[0]?.nextAttemptAt).toBe(new Date(NOW.getTime() + 120_000).toISOString());
    expect(f.enqueued[0]?.delaySeconds).toBe(120);
  });

  it('fails a delivery found long after it was due instead of sending it late', async () => {
    const f = fakeDeps(async () => answered(200), {
      retryPolicy: { ...DEFAULT_RETRY_POLICY, maxAgeMs: 60_000 },
    });
    const d = delivery({ updatedAt: new Date(NOW.getTime() - 61_000).toISOString() });
    f.add(d);

    const result = await deliverWebhook(f.deps, scheduled(d));

    expect(result).toMatchObject({ kind: 'recorded', status: 'failed' });
    expect(f.posts).toEqual([]);
    expect(f.writes[0]?.attempt.error).toMatch(/^expired: not attempted within 60000 ms/);
  });

  it('stops retrying once the round is older than maxAgeMs', async () => {
    const f = fakeDeps(async () => answered(500), {
      retryPolicy: { ...DEFAULT_RETRY_POLICY, maxAttempts: 10, maxAgeMs: 60_000 },
    });
    const d = delivery();
    f.add(d);
    await deliverWebhook(f.deps, scheduled(d));
    f.advance(61_000);

    const result = await deliverWebhook(f.deps, scheduled(d));

    expect(result).toMatchObject({ kind: 'recorded', status: 'failed' });
    expect(f.posts).toHaveLength(2);
  });

  it('fails, without a request, a delivery whose URL the SSRF guard refuses', async () => {
    const f = fakeDeps(async () => {
      throw new TargetRefusedError('cms.partner.example resolves to a private address (10.0.0.7)');
    });
    const d = delivery();
    f.add(d);

    const result = await deliverWebhook(f.deps, scheduled(d));

    expect(result).toMatchObject({ kind: 'recorded', status: 'failed' });
    expect(f.writes[0]?.attempt.error).toBe(
      'target refused: cms.partner.example resolves to a private address (10.0.0.7)',
    );
  });
});

describe('the send-time rules, on every attempt', () => {
  it('discards a retry whose agreement term ended since the first attempt, as term-ended', async () => {
    const f = fakeDeps(async () => answered(503));
    const d = delivery();
    f.add(d);
    await deliverWebhook(f.deps, scheduled(d));
    f.advance(306 * 86_400_000); // past validTo 2026-12-31

    const result = await deliverWebhook(f.deps, scheduled(d));

    expect(result).toEqual({ kind: 'recorded', status: 'discarded' });
    expect(f.posts).toHaveLength(1);
    expect(f.writes[1]?.attempt.error).toBe('term-ended');
  });

  it('holds an embargoed article under a hold agreement, even on an operator replay', async () => {
    const f = fakeDeps(async () => answered(200));
    const d = delivery({ embargoUntil: '2026-03-01T10:00:00.000Z' });
    f.add(d);

    const result = await deliverWebhook(f.deps, { deliveryId: d.deliveryId, trigger: 'manual' });

    expect(result).toEqual({ kind: 'deferred', delaySeconds: 900 });
    expect(f.posts).toEqual([]);
    expect(f.writes).toEqual([]);
  });

  it('never sends an older version once a newer one is on the same channel', async () => {
    const f = fakeDeps(async () => answered(200));
    const v1 = delivery({ status: 'retrying', attemptCount: 1 });
    f.add(v1);
    f.add(delivery({ version: 2, status: 'delivered', attemptCount: 1 }));

    const result = await deliverWebhook(f.deps, scheduled(v1));

    expect(result).toEqual({ kind: 'recorded', status: 'discarded' });
    expect(f.posts).toEqual([]);
    expect(f.writes[0]?.attempt.error).toBe('superseded: version 2 is on this channel');
  });

  it('reads the article index on a first attempt only when an embargo held the delivery after routing made it', async () => {
    const f = fakeDeps(async () => answered(200));
    const reads: string[] = [];
    const listOnChannel = f.deps.deliveries.listOnChannel.bind(f.deps.deliveries);
    f.deps.deliveries.listOnChannel = (articleId, agreementId, channelId) => {
      reads.push(articleId);
      return listOnChannel(articleId, agreementId, channelId);
    };
    const ended = new Date(NOW.getTime() - 600_000).toISOString();
    const createdBeforeEnd = new Date(NOW.getTime() - 3_600_000).toISOString();
    const routedAfter = delivery({ articleId: 'ended-before', embargoUntil: ended });
    const heldFor = delivery({ articleId: 'held-for', embargoUntil: ended, createdAt: createdBeforeEnd });
    f.add(routedAfter);
    f.add(heldFor);
    f.add(delivery({ articleId: 'held-for', version: 2, status: 'delivered', attemptCount: 1 }));

    await deliverWebhook(f.deps, scheduled(routedAfter));
    const held = await deliverWebhook(f.deps, scheduled(heldFor));

    expect(reads).toEqual(['held-for']);
    expect(f.posts).toHaveLength(1);
    expect(held).toEqual({ kind: 'recorded', status: 'discarded' });
  });
});

/**
 * Every path ends in this worker, so each path × rule is checked here with the delivery and message
 * that path produces (docs/delivery-rules.md names these tests).
 */
describe('the delivery rules on every path', () => {
  const EMBARGO = '2026-03-01T10:00:00.000Z';
  const PATHS: Record<string, { d: Partial<Delivery>; msg: 'scheduled' | 'manual' }> = {
    'first attempt': { d: {}, msg: 'scheduled' },
    retry: { d: { status: 'retrying', attemptCount: 1 }, msg: 'scheduled' },
    'replay one': { d: { lastReplayId: 'rpl_one', lastReplayAt: NOW.toISOString() }, msg: 'manual' },
    'bulk replay': { d: { lastReplayId: 'rpl_bulk', lastReplayAt: NOW.toISOString() }, msg: 'manual' },
    backfill: { d: { reason: 'backfill' }, msg: 'scheduled' },
    sweep: { d: { updatedAt: new Date(NOW.getTime() - 3_600_000).toISOString() }, msg: 'scheduled' },
    correction: {
      d: { reason: 'correction', version: 2, event: 'article.updated', supersedes: { version: 1 } },
      msg: 'scheduled',
    },
  };

  function prepare(path: keyof typeof PATHS, agreement: Partial<Agreement> = {}) {
    const f = fakeDeps(async () => answered(200), {
      retryPolicy: { ...DEFAULT_RETRY_POLICY, maxAttempts: 4, baseDelayMs: 1000, maxAgeMs: 30 * 86_400_000 },
    });
    const stored = agreementFixture({
      channels: [{ channelId: 'webhook', type: 'webhook', url: URL_OK, secretRef: 's' }],
      ...agreement,
    });
    f.deps.agreements = new MemoryAgreementStore([stored]);
    const spec = PATHS[path] ?? { d: {}, msg: 'scheduled' };
    const d = delivery(spec.d);
    return { f, d, msg: { deliveryId: d.deliveryId, trigger: spec.msg } satisfies WorkMessage };
  }

  /**
   * The partner's endpoint paused on its shared circuit an hour ago, after failing for six days; its
   * next probe is not due for another hour. Returns the deliveries the worker moved to held and the
   * catch-ups a successful probe started.
   */
  function pauseEndpoint(f: ReturnType<typeof prepare>['f']) {
    const probeEveryMs = 2 * 3_600_000;
    const paused = pausedCircuit(
      { ...BREAKER, probeEveryMs },
      'https://cms.partner.example',
      NOW.getTime() - 6 * 86_400_000,
      NOW.getTime() - 3_600_000,
    );
    Object.assign(f.deps.config.circuitBreaker, { probeEveryMs });
    // Paused whatever is written: the worker's own probe and transitions change nothing here.
    const stillPaused: CircuitStore = {
      get: async () => paused,
      put: async () => true,
      replace: async () => true,
    };
    f.deps.circuits = stillPaused;
    const held: string[] = [];
    const jobStore = new MemoryJobStore();
    const catchUps = jobStore.created;
    f.deps.jobStore = jobStore;
    Object.assign(f.deps.deliveries, {
      hold: async (d: Delivery) => {
        held.push(d.deliveryId);
        f.items.set(d.deliveryId, { ...d, status: 'held' });
        return true;
      },
      release: async (id: string) => {
        const d = f.items.get(id);
        if (!d) return undefined;
        const released = { ...d, status: 'pending' as const };
        f.items.set(id, released);
        return structuredClone(released);
      },
    });
    return { held, catchUps };
  }

  describe.each(Object.keys(PATHS))('%s', (path) => {
    it('holds an embargoed article for a hold agreement: no request, tried again later', async () => {
      const { f, d, msg } = prepare(path, { embargo: 'hold' });
      f.add({ ...d, embargoUntil: EMBARGO });

      const result = await deliverWebhook(f.deps, msg);

      expect(result).toEqual({ kind: 'deferred', delaySeconds: 900 });
      expect(f.posts).toEqual([]);
    });

    it('discards it as term-ended after the agreement term', async () => {
      const { f, d, msg } = prepare(path, { validTo: '2026-02-28' });
      f.add(d);

      const result = await deliverWebhook(f.deps, msg);

      expect(result).toEqual({ kind: 'recorded', status: 'discarded' });
      expect(f.writes[0]?.attempt.error).toBe('term-ended');
      expect(f.posts).toEqual([]);
    });

    it('discards it under a suspended agreement', async () => {
      const { f, d, msg } = prepare(path, { status: 'suspended' });
      f.add(d);

      await deliverWebhook(f.deps, msg);

      expect(f.writes[0]?.attempt.error).toBe('agreement suspended');
      expect(f.posts).toEqual([]);
    });

    it('discards it once the article is withdrawn', async () => {
      const { f, d, msg } = prepare(path);
      f.add(d);
      f.withdraw({ articleId: d.articleId, withdrawnAt: NOW.toISOString(), at: NOW.toISOString() });

      await deliverWebhook(f.deps, msg);

      expect(f.writes[0]?.attempt.error).toBe('article withdrawn');
      expect(f.posts).toEqual([]);
    });

    it('never sends it after a newer version reached the channel', async () => {
      const { f, d, msg } = prepare(path);
      // A delivery on this path that has been around (the sweeper's, a retry's) or an operator's.
      f.add({ ...d, attemptCount: Math.max(d.attemptCount, 1), status: 'retrying' });
      f.add(delivery({ version: d.version + 1, status: 'delivered', attemptCount: 1 }));

      await deliverWebhook(f.deps, msg);

      expect(f.writes[0]?.attempt.error).toBe(`superseded: version ${d.version + 1} is on this channel`);
      expect(f.posts).toEqual([]);
    });

    it('holds it while the endpoint is paused (an operator replay goes through as the probe)', async () => {
      const { f, d, msg } = prepare(path);
      f.add(d);
      const { held, catchUps } = pauseEndpoint(f);

      const result = await deliverWebhook(f.deps, msg);

      if (msg.trigger === 'manual') {
        // The partner answered: the probe closes the circuit and the channel's held deliveries catch up.
        expect(f.posts).toHaveLength(1);
        expect(held).toEqual([]);
        expect(catchUps).toMatchObject([{ kind: 'catch-up', filter: { status: 'held' } }]);
      } else {
        expect(result).toEqual({ kind: 'recorded', status: 'held' });
        expect(held).toEqual([d.deliveryId]);
        expect(f.posts).toEqual([]);
        expect(f.writes).toEqual([]);
        // Back at the next probe time (an hour away), within SQS's 15-minute delay cap.
        expect(f.enqueued.at(-1)?.delaySeconds).toBe(900);
      }
    });
  });

  describe('takedown', () => {
    const takedown = { kind: 'withdrawal' as const, withdrawnAt: NOW.toISOString() };

    it('goes out despite an embargo, an ended term or a suspension: what it withdraws must come down', async () => {
      for (const agreement of [
        { embargo: 'hold' as const },
        { validTo: '2026-02-28' },
        { status: 'suspended' as const },
      ]) {
        const { f, d, msg } = prepare('first attempt', agreement);
        f.add({ ...d, ...takedown, embargoUntil: EMBARGO });
        f.withdraw({ articleId: d.articleId, withdrawnAt: NOW.toISOString(), at: NOW.toISOString() });

        const result = await deliverWebhook(f.deps, msg);

        expect(result, JSON.stringify(agreement)).toMatchObject({ kind: 'recorded', status: 'delivered' });
        expect(f.bodies[0]?.type).toBe('article.withdrawn');
      }
    });

    it('waits while the endpoint is paused, like any delivery: held, not sent, not failed', async () => {
      const { f, d, msg } = prepare('first attempt');
      f.add({ ...d, ...takedown });
      f.withdraw({ articleId: d.articleId, withdrawnAt: NOW.toISOString(), at: NOW.toISOString() });
      const { held } = pauseEndpoint(f);

      const result = await deliverWebhook(f.deps, msg);

      expect(result).toEqual({ kind: 'recorded', status: 'held' });
      expect(held).toEqual([d.deliveryId]);
      expect(f.posts).toEqual([]);
    });

    it('is not superseded by a newer version: it withdraws them all', async () => {
      const { f, d, msg } = prepare('first attempt');
      f.add({ ...d, ...takedown });
      f.add(delivery({ version: 2, status: 'delivered', attemptCount: 1 }));

      const result = await deliverWebhook(f.deps, msg);

      expect(result).toMatchObject({ kind: 'recorded', status: 'delivered' });
    });
  });
});

describe('a delivery routing sent unstored (its message carries it)', () => {
  /** What routing sends for a push due now: no item, the delivery on the message. */
  function routedMessage(overrides: Partial<Delivery> = {}) {
    const d = deliveryFixture({
      articleId: 'a1',
      manifest: MANIFEST,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      ...overrides,
    });
    const msg: WorkMessage = { deliveryId: d.deliveryId, trigger: 'scheduled', routed: routedOf(d) };
    return { d, msg };
  }

  it('is attempted from its message, and its outcome write creates the item, listed, in one write', async () => {
    const f = fakeDeps(async () => answered(200));
    const { d, msg } = routedMessage({ agreementId: agreementFixture().agreementId });

    const result = await deliverWebhook(f.deps, msg);

    expect(result).toMatchObject({ kind: 'recorded', status: 'delivered' });
    expect(f.posts).toEqual([URL_OK]);
    expect(f.writes.map((w) => w.status)).toEqual(['delivered']);
    const item = f.items.get(d.deliveryId);
    expect(item).toMatchObject({
      status: 'delivered',
      attemptCount: 1,
      title: 'Hà Giang ký kết phối hợp tuyên truyền',
    });
    expect(item && 'unstored' in item).toBe(false);
  });

  it('sends nothing for a second copy of the message once the first wrote the item', async () => {
    const f = fakeDeps(async () => answered(200));
    const { msg } = routedMessage({ agreementId: agreementFixture().agreementId });
    await deliverWebhook(f.deps, msg);

    const again = await deliverWebhook(f.deps, msg);

    expect(again).toEqual({ kind: 'skipped', why: 'already delivered' });
    expect(f.posts).toHaveLength(1);
  });

  it('writes the item at its first failure; the retry message names the item and carries no delivery', async () => {
    const f = fakeDeps(async () => answered(503));
    const { d, msg } = routedMessage({ agreementId: agreementFixture().agreementId });

    await deliverWebhook(f.deps, msg);

    expect(f.items.get(d.deliveryId)).toMatchObject({ status: 'retrying', attemptCount: 1 });
    const next = f.enqueued.at(-1)?.messages[0];
    expect(next).toMatchObject({ deliveryId: d.deliveryId, carry: { since: 1, attemptCount: 1 } });
    expect(next?.routed).toBeUndefined();
  });

  it('sends nothing when a withdrawal discarded it before its first attempt', async () => {
    const f = fakeDeps(async () => answered(200));
    const { d, msg } = routedMessage({ agreementId: agreementFixture().agreementId });
    f.add({ ...d, status: 'discarded', lastError: 'article withdrawn' });

    const result = await deliverWebhook(f.deps, msg);

    expect(result).toEqual({ kind: 'skipped', why: 'already discarded' });
    expect(f.posts).toEqual([]);
  });

  it('ends without a request or a write when the delivery it carries is not the one its id names', async () => {
    const f = fakeDeps(async () => answered(200));
    const { msg } = routedMessage({ agreementId: agreementFixture().agreementId });
    const other = routedMessage({ agreementId: agreementFixture().agreementId, version: 2 });

    const result = await deliverWebhook(f.deps, { ...msg, routed: other.msg.routed });

    expect(result).toEqual({
      kind: 'skipped',
      why: "the message's routed delivery is not the one its deliveryId names",
    });
    expect(f.posts).toEqual([]);
    expect(f.items.size).toBe(0);
  });
});
