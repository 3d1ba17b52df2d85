import { describe, expect, it } from 'vitest';
import {
  activeSigningKeys,
  ChannelSecrets,
  deriveChannelSecret,
  deriveFeedKey,
  feedKeyRef,
  MASTER_FEED_KEY_REF,
  MASTER_SIGNING_KEY_REF,
  type MasterKey,
  nextKeyVersion,
  parseMasterKey,
  type SignedChannel,
} from '#domain/signing-keys.ts';
import { webhookSecret } from '#schemas/agreement.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';
import { MemorySecretStore } from '#test/support/memory/ports.ts';

const MASTER: MasterKey = {
  versions: { '1': Buffer.alloc(32, 1).toString('base64'), '2': Buffer.alloc(32, 2).toString('base64') },
};
const key = (version: number, master = 1) => ({ agreementId: 'vtv4', channelId: 'webhook', version, master });
const NOW = new Date('2026-03-01T08:00:00Z');
const channel = (c: Partial<SignedChannel>): SignedChannel =>
  ({ channelId: 'webhook', type: 'webhook', url: 'https://cms.example/hook', ...c }) as SignedChannel;

describe('deriveChannelSecret', () => {
  it('derives a Standard Webhooks secret, the same every time for one agreement, channel, version and master', () => {
    const secret = deriveChannelSecret(MASTER, key(1));
    expect(webhookSecret.safeParse(secret).success).toBe(true);
    expect(deriveChannelSecret(MASTER, key(1))).toBe(secret);
  });

  it('gives another secret for another agreement, channel, version or master version', () => {
    const secrets = [
      deriveChannelSecret(MASTER, key(1)),
      deriveChannelSecret(MASTER, { ...key(1), agreementId: 'vtv5' }),
      deriveChannelSecret(MASTER, { ...key(1), channelId: 'webhook-2' }),
      deriveChannelSecret(MASTER, key(2)),
      deriveChannelSecret(MASTER, key(1, 2)),
    ];
    expect(new Set(secrets).size).toBe(secrets.length);
  });

  it('reads the master key as the stateful stack generates it, the versions alone', () => {
    const generated = JSON.stringify({ '1': 'Ab3'.repeat(14).slice(0, 44) });
    expect(parseMasterKey(generated)).toEqual({ versions: JSON.parse(generated) });
    expect(parseMasterKey(JSON.stringify(MASTER))).toEqual(MASTER);
    expect(webhookSecret.safeParse(deriveChannelSecret(parseMasterKey(generated), key(1))).success).toBe(
      true,
    );
  });

  it('refuses a master version the key does not have', () => {
    expect(() => deriveChannelSecret(MASTER, key(1, 3))).toThrow(/no version 3/);
  });
});

describe('deriveFeedKey', () => {
  const feedKey = (kid: string, master = 1, agreementId = 'vtv4') => ({ agreementId, kid, master });

  it('derives 32 bytes in base64url, the form a stored feed key has, the same every time', () => {
    const k1 = deriveFeedKey(MASTER, feedKey('k1'));
    expect(k1).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(k1, 'base64url')).toHaveLength(32);
    expect(deriveFeedKey(MASTER, feedKey('k1'))).toBe(k1);
  });

  it('gives another key for another agreement, kid or master version', () => {
    const keys = [
      deriveFeedKey(MASTER, feedKey('k1')),
      deriveFeedKey(MASTER, feedKey('k2')),
      deriveFeedKey(MASTER, feedKey('k1', 2)),
      deriveFeedKey(MASTER, feedKey('k1', 1, 'vtv5')),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('never equals a webhook or broadcast secret derived from the same master key (domain separated)', () => {
    const feedBytes = Buffer.from(deriveFeedKey(MASTER, feedKey('1')), 'base64url');
    // The names that would collide without a separate info prefix: agreement vtv4, "channel" or kid 1.
    const channelSecrets = [1, 2].map((version) =>
      deriveChannelSecret(MASTER, { agreementId: 'vtv4', channelId: 'feed-key', version, master: 1 }),
    );
    for (const secret of channelSecrets) {
      expect(Buffer.from(secret.slice('whsec_'.length), 'base64').equals(feedBytes)).toBe(false);
    }
  });

  it('refuses a master version the key does not have', () => {
    expect(() => deriveFeedKey(MASTER, feedKey('k1', 3))).toThrow(/no version 3/);
  });
});

describe('activeSigningKeys and nextKeyVersion', () => {
  it('reads a channel from before derived keys as its stored secret, version 1 next', () => {
    const legacy = channel({ secretRef: 'loa/agreements/vtv4/channels/webhook/webhook-secret' });
    expect(activeSigningKeys(legacy, NOW)).toEqual([{ secretRef: legacy.secretRef }]);
    expect(nextKeyVersion(legacy)).toBe(1);
  });

  it('drops a previous key once its overlap has ended, and numbers past every version it had', () => {
    const rotated = channel({
      signingKeys: [
        { version: 3, master: 1 },
        { version: 2, master: 1, validUntil: '2026-03-01T09:00:00Z' },
        { secretRef: 'old', validUntil: '2026-03-01T08:00:00Z' },
      ],
    });
    expect(activeSigningKeys(rotated, NOW)).toEqual([
      { version: 3, master: 1 },
      { version: 2, master: 1, validUntil: '2026-03-01T09:00:00Z' },
    ]);
    expect(nextKeyVersion(rotated)).toBe(4);
  });
});

describe('ChannelSecrets', () => {
  it('reads the master key once per container, whatever the number of channels signed', async () => {
    const store = new MemorySecretStore();
    await store.put(MASTER_SIGNING_KEY_REF, JSON.stringify(MASTER));
    let reads = 0;
    const counting = {
      get: (ref: string) => {
        reads++;
        return store.get(ref);
      },
      put: store.put.bind(store),
    };
    const secrets = new ChannelSecrets(counting);

    for (const channelId of ['a', 'b', 'c']) {
      const c = channel({ channelId, signingKeys: [{ version: 1, master: 1 }] });
      expect(await secrets.of('vtv4', c, NOW)).toEqual([
        deriveChannelSecret(MASTER, { ...key(1), channelId }),
      ]);
    }
    expect(reads).toBe(1);
  });

  it('creates the master key on first use only when asked (the ops API), never on the delivery path', async () => {
    const store = new MemorySecretStore();

    expect(await new ChannelSecrets(store).master()).toBeUndefined();
    expect(await store.get(MASTER_SIGNING_KEY_REF)).toBeUndefined();
    const created = await new ChannelSecrets(store).master({ create: true });

    expect(Object.keys(created?.versions ?? {})).toEqual(['1']);
    expect(Buffer.from(created?.versions['1'] ?? '', 'base64')).toHaveLength(32);
    expect(JSON.parse((await store.get(MASTER_SIGNING_KEY_REF)) ?? '{}')).toEqual(created);
  });

  it('signs with a stored secret for a channel from before, and leaves out a key whose material is gone', async () => {
    const store = new MemorySecretStore();
    await store.put('stored', 'whsec_c3RvcmVk');
    const c = channel({
      signingKeys: [
        { version: 2, master: 1 },
        { secretRef: 'stored', validUntil: '2027-01-01T00:00:00Z' },
      ],
    });

    expect(await new ChannelSecrets(store).of('vtv4', c, NOW)).toEqual(['whsec_c3RvcmVk']);
  });
});

describe('ChannelSecrets.feedKey', () => {
  /** A store with the master key and one stored (legacy) feed key, counting what is read. */
  async function counted() {
    const store = new MemorySecretStore();
    await store.put(MASTER_SIGNING_KEY_REF, JSON.stringify(MASTER));
    await store.put(feedKeyRef('vtv4', 'k1'), 'stored-k1');
    const reads: string[] = [];
    const counting = {
      get: (ref: string) => {
        reads.push(ref);
        return store.get(ref);
      },
      put: store.put.bind(store),
    };
    return { store, reads, secrets: new ChannelSecrets(counting) };
  }
  const agreement = agreementFixture({
    agreementId: 'vtv4',
    feedKeys: [
      { kid: 'k1', createdAt: '2024-01-01T00:00:00Z' },
      { kid: 'k2', createdAt: '2025-01-01T00:00:00Z', master: 1 },
      { kid: 'k3', createdAt: '2025-02-01T00:00:00Z', master: 2 },
    ],
  });

  it('derives a key whose entry names a master version, reading only the master key, once', async () => {
    const { reads, secrets } = await counted();

    expect(await secrets.feedKey(agreement, 'vtv4', 'k2')).toBe(
      deriveFeedKey(MASTER, { agreementId: 'vtv4', kid: 'k2', master: 1 }),
    );
    expect(await secrets.feedKey(agreement, 'vtv4', 'k3')).toBe(
      deriveFeedKey(MASTER, { agreementId: 'vtv4', kid: 'k3', master: 2 }),
    );
    expect(reads).toEqual([MASTER_SIGNING_KEY_REF]);
  });

  it('reads a key from before derived keys (no master on its entry) from the secret store', async () => {
    const { reads, secrets } = await counted();

    expect(await secrets.feedKey(agreement, 'vtv4', 'k1')).toBe('stored-k1');
    expect(reads).toEqual([feedKeyRef('vtv4', 'k1')]);
  });

  it('gives nothing for a kid the agreement does not list, or no agreement, even when material exists', async () => {
    const { store, secrets } = await counted();
    await store.put(feedKeyRef('vtv4', 'k9'), 'stray');

    expect(await secrets.feedKey(agreement, 'vtv4', 'k9')).toBeUndefined();
    expect(await secrets.feedKey(undefined, 'vtv4', 'k1')).toBeUndefined();
  });

  it('reads the master key again for a master version newer than the one it holds', async () => {
    const store = new MemorySecretStore();
    await store.put(MASTER_SIGNING_KEY_REF, JSON.stringify({ versions: { '1': MASTER.versions['1'] } }));
    const secrets = new ChannelSecrets(store);
    expect(await secrets.feedKey(agreement, 'vtv4', 'k3')).toBeUndefined();

    await store.put(MASTER_SIGNING_KEY_REF, JSON.stringify(MASTER));

    expect(await secrets.feedKey(agreement, 'vtv4', 'k3')).toBe(
      deriveFeedKey(MASTER, { agreementId: 'vtv4', kid: 'k3', master: 2 }),
    );
  });
});

describe('ChannelSecrets.feedKey from the feed master key', () => {
  const FEED: MasterKey = { versions: { '1': Buffer.alloc(32, 7).toString('base64') } };
  const agreement = agreementFixture({
    agreementId: 'vtv4',
    feedKeys: [
      { kid: 'k1', createdAt: '2025-01-01T00:00:00Z', master: 1 },
      { kid: 'k2', createdAt: '2026-01-01T00:00:00Z', master: 1, source: 'feed-master' },
    ],
  });
  async function counted() {
    const store = new MemorySecretStore();
    await store.put(MASTER_SIGNING_KEY_REF, JSON.stringify(MASTER));
    await store.put(MASTER_FEED_KEY_REF, JSON.stringify(FEED));
    const reads: string[] = [];
    const counting = {
      get: (ref: string) => {
        reads.push(ref);
        return store.get(ref);
      },
      put: store.put.bind(store),
    };
    return { store, reads, secrets: new ChannelSecrets(counting) };
  }

  it('derives an entry marked feed-master from the feed master key, reading only it', async () => {
    const { reads, secrets } = await counted();

    expect(await secrets.feedKey(agreement, 'vtv4', 'k2')).toBe(
      deriveFeedKey(FEED, { agreementId: 'vtv4', kid: 'k2', master: 1 }),
    );
    expect(reads).toEqual([MASTER_FEED_KEY_REF]);
  });

  it('derives an entry from before the feed master (no source) from the signing master key', async () => {
    const { reads, secrets } = await counted();

    expect(await secrets.feedKey(agreement, 'vtv4', 'k1')).toBe(
      deriveFeedKey(MASTER, { agreementId: 'vtv4', kid: 'k1', master: 1 }),
    );
    expect(reads).toEqual([MASTER_SIGNING_KEY_REF]);
  });

  it('refuses an unlisted kid after the work of a feed-master key, never reading the signing master', async () => {
    const { reads, secrets } = await counted();

    expect(await secrets.feedKey(agreement, 'vtv4', 'k9')).toBeUndefined();
    expect(await secrets.feedKey(undefined, 'vtv4', 'k2')).toBeUndefined();
    expect(reads).toEqual([MASTER_FEED_KEY_REF]);
  });

  it('signs channels with the signing master only, never reading the feed master', async () => {
    const { reads, secrets } = await counted();
    const c = channel({ signingKeys: [{ version: 1, master: 1 }] });

    expect(await secrets.of('vtv4', c, NOW)).toEqual([deriveChannelSecret(MASTER, key(1))]);
    expect(reads).toEqual([MASTER_SIGNING_KEY_REF]);
  });

  it('creates the feed master key on first use only when asked, apart from the signing master', async () => {
    const store = new MemorySecretStore();

    expect(await new ChannelSecrets(store).feedMaster()).toBeUndefined();
    const created = await new ChannelSecrets(store).feedMaster({ create: true });

    expect(Buffer.from(created?.versions['1'] ?? '', 'base64')).toHaveLength(32);
    expect([...store.items.keys()]).toEqual([MASTER_FEED_KEY_REF]);
    expect(JSON.parse((await store.get(MASTER_FEED_KEY_REF)) ?? '{}')).toEqual(created);
  });

  it('reads the feed master key again for a version newer than the one it holds', async () => {
    const store = new MemorySecretStore();
    await store.put(MASTER_FEED_KEY_REF, JSON.stringify(FEED));
    const secrets = new ChannelSecrets(store);
    const newer = agreementFixture({
      agreementId: 'vtv4',
      feedKeys: [{ kid: 'k3', createdAt: '2026-02-01T00:00:00Z', master: 2, source: 'feed-master' }],
    });
    expect(await secrets.feedKey(newer, 'vtv4', 'k3')).toBeUndefined();

    const rotated: MasterKey = { versions: { ...FEED.versions, '2': MASTER.versions['2'] ?? '' } };
    await store.put(MASTER_FEED_KEY_REF, JSON.stringify(rotated));

    expect(await secrets.feedKey(newer, 'vtv4', 'k3')).toBe(
      deriveFeedKey(rotated, { agreementId: 'vtv4', kid: 'k3', master: 2 }),
    );
  });
});
