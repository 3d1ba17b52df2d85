/**
 * Feed keys come from the feed master key (`loa/master-feed-key`), not from the signing master key
 * every webhook secret comes from; entries written before the feed master still derive from the
 * signing master (docs/security.md, "Signing secrets").
 */
import { describe, expect, it } from 'vitest';
import { createAgreement } from '#app/create-agreement.ts';
import { feedKeyCacheKey, feedKeyOf, mintFeedUrl } from '#app/feed-keys.ts';
import { rawQueryParams, SignedParams, verifySignedRequest } from '#app/signed-request.ts';
import {
  deriveFeedKey,
  MASTER_FEED_KEY_REF,
  MASTER_SIGNING_KEY_REF,
  type MasterKey,
  newMasterKey,
  parseMasterKey,
} from '#domain/signing-keys.ts';
import { type Agreement, CreateAgreementInput } from '#schemas/agreement.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';
import { memoryDeps, memoryPorts, testConfig } from '#test/support/memory/deps.ts';
import { MemorySecretStore } from '#test/support/memory/ports.ts';

const NOW = new Date('2026-03-01T08:00:00Z');

/** An agreement with a webhook and a feed, created over in-memory ports (both master keys made on first use). */
async function created() {
  const ports = memoryPorts();
  const deps = memoryDeps(
    { config: testConfig({ allowPrivateTargets: false }), clock: { now: () => NOW } },
    ports,
  );
  const { agreement } = await createAgreement(
    deps,
    CreateAgreementInput.parse({
      agreementId: 'vtv4',
      partner: { partnerId: 'vtv4', name: 'VTV4' },
      validFrom: '2026-01-01',
      validTo: '2026-12-31',
      topics: ['culture-tourism'],
      languages: ['vi'],
      channels: [{ type: 'webhook', url: 'https://cms.example/hook' }, { type: 'feed' }],
    }),
  );
  return { deps, agreement, secrets: ports.secrets.items };
}

/** A fresh store (a cold container) holding `items`, with the master keys named in `replace` replaced. */
function storeWith(items: Map<string, string>, replace: Record<string, MasterKey> = {}) {
  const store = new MemorySecretStore();
  for (const [ref, value] of items) store.items.set(ref, value);
  for (const [ref, master] of Object.entries(replace)) store.items.set(ref, JSON.stringify(master));
  return store;
}

/** Whether `url` passes the feed function's check, its key read from `store`. */
async function verifies(store: MemorySecretStore, agreement: Agreement, url: string): Promise<boolean> {
  const { pathname, search } = new URL(url);
  const params = SignedParams.parse(rawQueryParams(search.slice(1)));
  const verified = await verifySignedRequest(
    {
      agreement: async () => agreement,
      key: (id, kid, a) => feedKeyOf(store, a, id, kid),
    },
    { method: 'GET', path: pathname, agreementId: agreement.agreementId, params },
    NOW,
  );
  return verified.ok;
}

describe('feed keys from the feed master key', () => {
  it('marks a new feed key as derived from the feed master, and derives it from that key alone', async () => {
    const { deps, agreement, secrets } = await created();

    expect(agreement.feedKeys).toEqual([
      { kid: 'k1', createdAt: NOW.toISOString(), master: 1, source: 'feed-master' },
    ]);
    expect([...secrets.keys()].sort()).toEqual([MASTER_FEED_KEY_REF, MASTER_SIGNING_KEY_REF]);
    const feedMaster = parseMasterKey(secrets.get(MASTER_FEED_KEY_REF) ?? '');
    const signingMaster = parseMasterKey(secrets.get(MASTER_SIGNING_KEY_REF) ?? '');
    const key = await feedKeyOf(deps.secrets, agreement, 'vtv4', 'k1');

    expect(key).toBe(deriveFeedKey(feedMaster, { agreementId: 'vtv4', kid: 'k1', master: 1 }));
    expect(key).not.toBe(deriveFeedKey(signingMaster, { agreementId: 'vtv4', kid: 'k1', master: 1 }));
  });

  it('still verifies a feed URL when the signing master changes, and no longer when the feed master does', async () => {
    const { deps, agreement, secrets } = await created();
    const { url } = await mintFeedUrl(deps, 'vtv4', { format: 'rss', ttlSeconds: 3600 });

    expect(await verifies(storeWith(secrets), agreement, url)).toBe(true);
    expect(
      await verifies(storeWith(secrets, { [MASTER_SIGNING_KEY_REF]: newMasterKey() }), agreement, url),
    ).toBe(true);
    expect(
      await verifies(storeWith(secrets, { [MASTER_FEED_KEY_REF]: newMasterKey() }), agreement, url),
    ).toBe(false);
  });

  it('verifies a feed URL in a store without the signing master: the feeds function needs only the feed master', async () => {
    const { deps, agreement, secrets } = await created();
    const { url } = await mintFeedUrl(deps, 'vtv4', { format: 'json', ttlSeconds: 3600 });
    const feedsOnly = new MemorySecretStore();
    feedsOnly.items.set(MASTER_FEED_KEY_REF, secrets.get(MASTER_FEED_KEY_REF) ?? '');
    const reads: string[] = [];
    const counting = {
      get: (ref: string) => {
        reads.push(ref);
        return feedsOnly.get(ref);
      },
      put: feedsOnly.put.bind(feedsOnly),
    };

    const key = await feedKeyOf(counting, agreement, 'vtv4', 'k1');

    expect(key).toBeDefined();
    expect(await verifies(feedsOnly, agreement, url)).toBe(true);
    expect(reads).toEqual([MASTER_FEED_KEY_REF]);
  });
});

describe('feed keys written before the feed master', () => {
  const signingMaster = newMasterKey();
  const feedMaster = newMasterKey();
  const old = agreementFixture({
    agreementId: 'vtv4',
    validFrom: '2026-01-01',
    validTo: '2026-12-31',
    channels: [{ channelId: 'feed', type: 'feed' }],
    // Written before the feed master: a master version, no source.
    feedKeys: [{ kid: 'k1', createdAt: '2025-01-01T00:00:00.000Z', master: 1 }],
  });
  const store = (signing: MasterKey, feed: MasterKey) =>
    storeWith(
      new Map([
        [MASTER_SIGNING_KEY_REF, JSON.stringify(signing)],
        [MASTER_FEED_KEY_REF, JSON.stringify(feed)],
      ]),
    );

  it('keeps deriving an entry without a source from the signing master', async () => {
    expect(old.feedKeys[0]?.source).toBeUndefined();
    expect(await feedKeyOf(store(signingMaster, feedMaster), old, 'vtv4', 'k1')).toBe(
      deriveFeedKey(signingMaster, { agreementId: 'vtv4', kid: 'k1', master: 1 }),
    );
  });

  it('keeps verifying URLs signed before: a change of the feed master does not touch them', async () => {
    const deps = memoryDeps({ secrets: store(signingMaster, feedMaster), clock: { now: () => NOW } });
    await deps.agreements.create(old);
    const { url } = await mintFeedUrl(deps, 'vtv4', { format: 'rss', ttlSeconds: 3600 });

    expect(await verifies(store(signingMaster, newMasterKey()), old, url)).toBe(true);
    expect(await verifies(store(newMasterKey(), feedMaster), old, url)).toBe(false);
  });

  it('caches an old entry apart from a new entry with the same kid and master version', () => {
    const renewed = {
      ...old,
      feedKeys: [
        { kid: 'k1', createdAt: '2026-01-01T00:00:00.000Z', master: 1, source: 'feed-master' as const },
      ],
    };

    expect(feedKeyCacheKey(old, 'vtv4', 'k1')).not.toBe(feedKeyCacheKey(renewed, 'vtv4', 'k1'));
  });

  it('reads the schema: an old entry parses without a source, a new one keeps it', async () => {
    const { Agreement } = await import('#schemas/agreement.ts');
    const parsed = Agreement.parse({
      ...old,
      feedKeys: [
        { kid: 'k1', createdAt: '2025-01-01T00:00:00.000Z', master: 1 },
        { kid: 'k2', createdAt: '2026-01-01T00:00:00.000Z', master: 1, source: 'feed-master' },
      ],
    });

    expect(parsed.feedKeys.map((k) => k.source)).toEqual([undefined, 'feed-master']);
    expect(() =>
      Agreement.parse({
        ...old,
        feedKeys: [{ kid: 'k1', createdAt: '2025-01-01T00:00:00.000Z', master: 1, source: 'other' }],
      }),
    ).toThrow();
  });
});
