import { describe, expect, it } from 'vitest';
import { createAgreement } from '#app/create-agreement.ts';
import { feedKeyOf } from '#app/feed-keys.ts';
import { renewAgreement } from '#app/renew-agreement.ts';
import { channelSigningSecrets } from '#app/rotate-secret.ts';
import {
  deriveFeedKey,
  MASTER_FEED_KEY_REF,
  MASTER_SIGNING_KEY_REF,
  parseMasterKey,
} from '#domain/signing-keys.ts';
import { CreateAgreementInput } from '#schemas/agreement.ts';
import { memoryDeps, memoryPorts, testConfig } from '#test/support/memory/deps.ts';

/** createAgreement over in-memory ports; the maps are what the stores hold. */
function harness() {
  const ports = memoryPorts();
  const deps = memoryDeps({ config: testConfig({ allowPrivateTargets: false }) }, ports);
  return { deps, agreements: ports.agreements.items, secrets: ports.secrets.items };
}

const input = (channels: unknown[]) =>
  CreateAgreementInput.parse({
    agreementId: 'bao-ha-giang',
    partner: { partnerId: 'bao-ha-giang', name: 'Báo Hà Giang' },
    validFrom: '2026-01-01',
    validTo: '2026-12-31',
    topics: ['xay-dung-dang'],
    languages: ['vi'],
    channels,
  });

describe('createAgreement', () => {
  it('names unnamed channels without reusing an id the operator gave, so no two share secrets', async () => {
    const { deps, secrets } = harness();

    const { agreement, generatedSecrets } = await createAgreement(
      deps,
      input([
        { type: 'webhook', channelId: 'webhook-2', url: 'https://cms.example/a' },
        { type: 'webhook', url: 'https://cms.example/b' },
        { type: 'webhook', url: 'https://cms.example/c' },
      ]),
    );

    expect(agreement.channels.map((c) => c.channelId)).toEqual(['webhook-2', 'webhook', 'webhook-3']);
    expect(Object.keys(generatedSecrets).sort()).toEqual(['webhook', 'webhook-2', 'webhook-3']);
    expect(new Set(Object.values(generatedSecrets)).size).toBe(3);
    for (const [channelId, secret] of Object.entries(generatedSecrets)) {
      expect(await channelSigningSecrets(deps, 'bao-ha-giang', channelId)).toEqual([secret]);
    }
    // Derived from the signing master key (the feed key from the feed master key): no secret per
    // channel in the store, none on the agreement.
    expect([...secrets.keys()].sort()).toEqual([MASTER_FEED_KEY_REF, MASTER_SIGNING_KEY_REF]);
    expect(JSON.stringify(agreement)).not.toMatch(/whsec_/);
  });

  it('gives the agreement its first feed key derived from the feed master key, stored nowhere', async () => {
    const { deps, secrets } = harness();

    const { agreement } = await createAgreement(deps, input([{ type: 'feed' }]));

    expect(agreement.feedKeys).toEqual([
      { kid: 'k1', createdAt: agreement.createdAt, master: 1, source: 'feed-master' },
    ]);
    // A feed-only agreement needs no signing master key: only the feed master is created.
    expect([...secrets.keys()]).toEqual([MASTER_FEED_KEY_REF]);
    const master = parseMasterKey(secrets.get(MASTER_FEED_KEY_REF) ?? '');
    const key = await feedKeyOf(deps.secrets, agreement, 'bao-ha-giang', 'k1');
    expect(key).toBe(deriveFeedKey(master, { agreementId: 'bao-ha-giang', kid: 'k1', master: 1 }));
    expect(JSON.stringify(agreement)).not.toContain(key);
  });

  it('gives a renewal a derived feed key of its own: feed URLs do not carry over, nothing is stored', async () => {
    const { deps, secrets } = harness();
    const { agreement } = await createAgreement(deps, input([{ type: 'feed' }]));

    const { renewed } = await renewAgreement(deps, 'bao-ha-giang', {
      validFrom: '2027-01-01',
      validTo: '2027-12-31',
    });

    expect(renewed.feedKeys).toEqual([
      { kid: 'k1', createdAt: renewed.createdAt, master: 1, source: 'feed-master' },
    ]);
    expect([...secrets.keys()]).toEqual([MASTER_FEED_KEY_REF]);
    const before = await feedKeyOf(deps.secrets, agreement, agreement.agreementId, 'k1');
    const after = await feedKeyOf(deps.secrets, renewed, renewed.agreementId, 'k1');
    expect(after).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(after).not.toBe(before);
  });

  it('stores social credentials in the secret store and only a reference on the agreement', async () => {
    const { deps, agreements, secrets } = harness();

    await createAgreement(
      deps,
      input([{ type: 'social', network: 'zalo', credentials: { accessToken: 'zalo-oa-token-1234' } }]),
    );

    const stored = agreements.get('bao-ha-giang');
    expect(JSON.stringify(stored)).not.toContain('zalo-oa-token-1234');
    expect(stored?.channels[0]).toEqual({
      channelId: 'social',
      type: 'social',
      network: 'zalo',
      baseUrl: 'https://openapi.zalo.me',
      credentialsRef: 'loa/agreements/bao-ha-giang/channels/social/credentials',
    });
    expect(JSON.parse(secrets.get('loa/agreements/bao-ha-giang/channels/social/credentials') ?? '')).toEqual({
      accessToken: 'zalo-oa-token-1234',
    });
  });
});

describe('createAgreement with a token endpoint', () => {
  it("keeps a social channel's token endpoint, and refuses one the SSRF guard refuses, naming it", async () => {
    const { deps, agreements } = harness();
    const zalo = {
      type: 'social',
      network: 'zalo',
      authBaseUrl: 'https://oauth.zalo.example',
      credentials: { accessToken: 'zalo-oa-token-1234', refreshToken: 'zalo-refresh-5678', clientId: '4321' },
    };

    await createAgreement(deps, input([zalo]));
    const refused = createAgreement(deps, {
      ...input([{ ...zalo, authBaseUrl: 'http://169.254.169.254/latest' }]),
      agreementId: 'other',
    });

    expect(agreements.get('bao-ha-giang')?.channels[0]).toMatchObject({
      authBaseUrl: 'https://oauth.zalo.example',
    });
    await expect(refused).rejects.toMatchObject({
      problems: [expect.stringMatching(/^channels\.0\.authBaseUrl: /)],
    });
  });
});

describe('CreateAgreementInput', () => {
  it('refuses two channels with one id, naming the second', () => {
    const result = CreateAgreementInput.safeParse({
      partner: { partnerId: 'p', name: 'P' },
      validFrom: '2026-01-01',
      validTo: '2026-12-31',
      topics: ['t'],
      languages: ['vi'],
      channels: [
        { type: 'social', channelId: 'x', network: 'x', credentials: { accessToken: 'token-one-123' } },
        { type: 'social', channelId: 'x', network: 'zalo', credentials: { accessToken: 'token-two-123' } },
      ],
    });

    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['channels.1.channelId', 'duplicated channelId'],
    ]);
  });
});
