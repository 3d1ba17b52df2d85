/**
 * Broadcast and social partners configured through the ops API on the whole local runtime: network
 * defaults, credentials and signing secrets kept in the secret store (a generated signing secret shown
 * once), refusals that name the field and write nothing, and changes that keep channels and secrets.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '#adapters/aws/clients.ts';
import { credentialsRef, signingSecretRef } from '#app/create-agreement.ts';
import { channelSigningSecrets } from '#app/rotate-secret.ts';
import { webhookSecret } from '#schemas/agreement.ts';
import { runLoa } from '#test/support/cli-harness.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';

const TOKENS = {
  x: 'x-oauth2-user-token-7c1f9a',
  facebook: 'EAAGpageAccessToken0123456789',
  zalo: 'zalo-oa-access-token-5e2b44',
};
const PAGE = '104573829100001';
const GIVEN_SECRET = `whsec_${Buffer.from('the partner chose this secret, 32').toString('base64')}`;
const ROLE = 'arn:aws:iam::123456789012:role/loa-ingest-vtv';

let loa: TestLoa;
/** Partner requests to private and metadata addresses refused, as in production. */
let guarded: TestLoa;

const agreementBody = (agreementId: string, channels: unknown[]) => ({
  agreementId,
  partner: { partnerId: agreementId, name: 'Đài Truyền hình Việt Nam — VTV4' },
  validFrom: '2024-01-01',
  validTo: '2099-12-31',
  topics: ['culture-tourism'],
  languages: ['vi', 'en'],
  channels,
});

/** The secret a channel signs with now (derived from the master key, or its own stored one). */
const signingSecret = async (agreementId: string, channelId: string) =>
  (await channelSigningSecrets(loa.deps, agreementId, channelId))[0] ?? 'missing';

/** Asks `on` to create an agreement of these channels. */
const create = (on: TestLoa, agreementId: string, channels: unknown[]) =>
  on.ops('POST', '/ops/agreements', agreementBody(agreementId, channels));

const socialChannels = () => [
  { type: 'social', channelId: 'x', network: 'x', credentials: { accessToken: TOKENS.x } },
  {
    type: 'social',
    channelId: 'facebook',
    network: 'facebook',
    accountId: PAGE,
    credentials: { accessToken: TOKENS.facebook },
  },
  { type: 'social', channelId: 'zalo', network: 'zalo', credentials: { accessToken: TOKENS.zalo } },
];

const broadcastChannels = () => [
  { type: 'webhook', url: 'https://cms.vtv.vn/loa/hook' },
  { type: 'broadcast', target: 'http', url: 'https://ingest.vtv.vn/loa/' },
  {
    type: 'broadcast',
    channelId: 'given',
    target: 'http',
    url: 'https://ingest.vtv.vn/b/',
    secret: GIVEN_SECRET,
  },
  {
    type: 'broadcast',
    channelId: 'bucket',
    target: 's3',
    bucket: 'vtv4-ingest',
    prefix: 'loa/tin/',
    roleArn: ROLE,
  },
  { type: 'broadcast', channelId: 'plain', target: 's3', bucket: 'vtv4.ingest-2' },
];

const secretsFile = async (of: TestLoa) => {
  try {
    return await readFile(join(of.dataDir, 'secrets.json'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
};

/** Every item in the table, raw: what DynamoDB holds, whatever the stores make of it. */
async function tableDump(of: TestLoa): Promise<string> {
  const client = dynamoClient('us-east-1', of.dynamoEndpoint);
  try {
    const out = await client.send(new ScanCommand({ TableName: 'loa' }));
    return JSON.stringify(out.Items ?? []);
  } finally {
    client.destroy();
  }
}

/** What an operator can read back about agreements: the API's answers and the dashboard's data. */
async function everythingReadable(of: TestLoa, agreementId: string): Promise<string[]> {
  const paths = [
    `/ops/agreements/${agreementId}`,
    '/ops/agreements',
    `/ops/partners/${agreementId}`,
    '/ops/partners',
    '/ops/health?hours=24',
    `/ops/agreements/${agreementId}/deliveries`,
  ];
  const answers = await Promise.all(paths.map((p) => of.ops('GET', p)));
  for (const [i, a] of answers.entries()) expect(a.status, paths[i]).toBe(200);
  const preview = await of.ops('POST', '/ops/route-preview', {
    article: { language: 'vi', topics: ['culture-tourism'] },
  });
  expect(preview.status).toBe(200);
  return [...answers, preview].map((a) => a.text);
}

beforeAll(async () => {
  [loa, guarded] = await Promise.all([startTestLoa(), startTestLoa({ allowPrivateTargets: false })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([loa?.close(), guarded?.close()]);
});

describe('social channels', () => {
  it("stores each network's public API base and only a reference to its credentials", async () => {
    const created = await create(loa, 'vtv4-social', socialChannels());

    expect(created.status).toBe(201);
    expect(created.json.agreement.channels).toEqual([
      {
        channelId: 'x',
        type: 'social',
        network: 'x',
        baseUrl: 'https://api.x.com',
        credentialsRef: credentialsRef('vtv4-social', 'x'),
      },
      {
        channelId: 'facebook',
        type: 'social',
        network: 'facebook',
        baseUrl: 'https://graph.facebook.com/v21.0',
        accountId: PAGE,
        credentialsRef: credentialsRef('vtv4-social', 'facebook'),
      },
      {
        channelId: 'zalo',
        type: 'social',
        network: 'zalo',
        baseUrl: 'https://openapi.zalo.me',
        credentialsRef: credentialsRef('vtv4-social', 'zalo'),
      },
    ]);
    // Credentials are the operator's: nothing was generated, so nothing is shown.
    expect(created.json.secrets).toEqual({});
    for (const [network, token] of Object.entries(TOKENS)) {
      const stored = await loa.deps.secrets.get(credentialsRef('vtv4-social', network));
      expect(JSON.parse(stored ?? '{}')).toEqual({ accessToken: token });
    }
  });

  it('never gives a token back: not in the answer, the API, the dashboard data or DynamoDB', async () => {
    const created = await create(loa, 'vtv4-social-read', socialChannels());
    expect(created.status).toBe(201);

    const readable = [created.text, ...(await everythingReadable(loa, 'vtv4-social-read'))];
    const table = await tableDump(loa);
    const file = await secretsFile(loa);

    // The reads did find the agreement (so the absence of tokens means something)…
    expect(readable[1]).toContain(credentialsRef('vtv4-social-read', 'facebook'));
    expect(table).toContain(credentialsRef('vtv4-social-read', 'zalo'));
    for (const token of Object.values(TOKENS)) {
      for (const text of [...readable, table]) expect(text).not.toContain(token);
      // …and the secret store's file, the one place they are, does hold them.
      expect(file).toContain(token);
    }
  });

  it('shows each channel on the dashboard by its kind and network, nothing more', async () => {
    const health = await loa.ops('GET', '/ops/health?hours=24');

    const row = health.json.items.find((r: { agreementId: string }) => r.agreementId === 'vtv4-social');
    expect(row.channels).toEqual([
      { channelId: 'x', type: 'social', network: 'x' },
      { channelId: 'facebook', type: 'social', network: 'facebook' },
      { channelId: 'zalo', type: 'social', network: 'zalo' },
    ]);
  });
});

describe('broadcast channels', () => {
  it('shows a generated signing secret once, as a webhook secret is, and stores an S3 target as given', async () => {
    const created = await create(loa, 'vtv4-broadcast', broadcastChannels());

    expect(created.status).toBe(201);
    const { channels } = created.json.agreement;
    expect(channels).toEqual([
      {
        channelId: 'webhook',
        type: 'webhook',
        url: 'https://cms.vtv.vn/loa/hook',
        signingKeys: [{ version: 1, master: 1, derivedFor: 'vtv4-broadcast' }],
      },
      {
        channelId: 'broadcast',
        type: 'broadcast',
        target: 'http',
        url: 'https://ingest.vtv.vn/loa/',
        signingKeys: [{ version: 1, master: 1, derivedFor: 'vtv4-broadcast' }],
      },
      {
        channelId: 'given',
        type: 'broadcast',
        target: 'http',
        url: 'https://ingest.vtv.vn/b/',
        secretRef: signingSecretRef('vtv4-broadcast', 'given'),
      },
      {
        channelId: 'bucket',
        type: 'broadcast',
        target: 's3',
        bucket: 'vtv4-ingest',
        prefix: 'loa/tin/',
        roleArn: ROLE,
      },
      { channelId: 'plain', type: 'broadcast', target: 's3', bucket: 'vtv4.ingest-2', prefix: '' },
    ]);
    // Generated secrets, by channel id, as for webhooks; the operator's own is not echoed.
    expect(Object.keys(created.json.secrets).sort()).toEqual(['broadcast', 'webhook']);
    const shown = created.json.secrets.broadcast as string;
    expect(webhookSecret.safeParse(shown).success).toBe(true);
    expect(shown).not.toBe(created.json.secrets.webhook);
    // A generated secret is derived from the master key, stored nowhere; the operator's own is stored.
    expect(await signingSecret('vtv4-broadcast', 'broadcast')).toBe(shown);
    expect(await loa.deps.secrets.get(signingSecretRef('vtv4-broadcast', 'broadcast'))).toBeUndefined();
    expect(await loa.deps.secrets.get(signingSecretRef('vtv4-broadcast', 'given'))).toBe(GIVEN_SECRET);
    expect(created.text).not.toContain(GIVEN_SECRET);
  });

  it('never shows a signing secret again', async () => {
    const shown = await signingSecret('vtv4-broadcast', 'broadcast');
    const readable = await everythingReadable(loa, 'vtv4-broadcast');
    const table = await tableDump(loa);

    expect(readable[0]).toContain(signingSecretRef('vtv4-broadcast', 'given'));
    expect(readable[0]).toContain('"signingKeys":[{"version":1,"master":1,"derivedFor":"vtv4-broadcast"}]');
    for (const secret of [shown, GIVEN_SECRET]) {
      for (const text of [...readable, table]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(secret.replace(/^whsec_/, ''));
      }
    }
    const row = JSON.parse(readable[4] ?? '{}').items.find(
      (r: { agreementId: string }) => r.agreementId === 'vtv4-broadcast',
    );
    expect(row.channels).toEqual([
      { channelId: 'webhook', type: 'webhook' },
      { channelId: 'broadcast', type: 'broadcast', target: 'http' },
      { channelId: 'given', type: 'broadcast', target: 'http' },
      { channelId: 'bucket', type: 'broadcast', target: 's3' },
      { channelId: 'plain', type: 'broadcast', target: 's3' },
    ]);
  });
});

describe('refusals', () => {
  /** A valid social channel rides along in every refused request: its token must not be stored either. */
  const RIDER_TOKEN = 'rider-token-must-not-be-stored';
  const rider = {
    type: 'social',
    channelId: 'rider',
    network: 'x',
    credentials: { accessToken: RIDER_TOKEN },
  };
  const social = (extra: Record<string, unknown>) => ({
    type: 'social',
    network: 'x',
    credentials: { accessToken: 'a-valid-access-token' },
    ...extra,
  });
  const s3 = (extra: Record<string, unknown>) => ({
    type: 'broadcast',
    target: 's3',
    bucket: 'vtv4-ingest',
    prefix: 'loa/',
    ...extra,
  });

  const cases: [string, unknown, string][] = [
    [
      'a facebook channel without its page id',
      social({ network: 'facebook' }),
      'channels.1.accountId: is required for facebook: the page id posted to',
    ],
    [
      'a role not named loa-ingest-*',
      s3({ roleArn: 'arn:aws:iam::123456789012:role/OrganizationAccountAccessRole' }),
      'channels.1.roleArn: must be the ARN of an IAM role named loa-ingest-…',
    ],
    [
      'a prefix that climbs out with ..',
      s3({ prefix: 'loa/../other-partner/' }),
      'channels.1.prefix: must be empty or segments ending in "/", without "." or ".."',
    ],
    [
      'a bucket name with capitals',
      s3({ bucket: 'VTV4-Ingest' }),
      'channels.1.bucket: must be an S3 bucket name (3-63 of a-z, 0-9, . and -)',
    ],
    ['an unknown network', social({ network: 'tiktok' }), 'channels.1.network:'],
    [
      'credentials with a field Loa does not know',
      social({ credentials: { accessToken: 'a-valid-access-token', tokenSecret: 'r-0123456789' } }),
      'channels.1.credentials: Unrecognized key: "tokenSecret"',
    ],
    [
      'an access token too short to be one',
      social({ credentials: { accessToken: 'short' } }),
      'channels.1.credentials.accessToken:',
    ],
    ['credentials left out', social({ credentials: undefined }), 'channels.1.credentials:'],
    [
      'an unknown broadcast target',
      { type: 'broadcast', target: 'ftp', url: 'https://x.vn/' },
      'channels.1.target:',
    ],
  ];

  it.each(cases)(
    'refuses %s with a 400 naming the field, and stores nothing',
    async (name, channel, problem) => {
      const agreementId = `refused-${name.replace(/[^a-z]+/g, '-').replace(/-$/, '')}`;

      const res = await create(loa, agreementId, [rider, channel]);

      expect(res.status).toBe(400);
      expect(res.json.problems).toEqual([expect.stringContaining(problem)]);
      expect(res.text).not.toContain(RIDER_TOKEN);
      expect(res.text).not.toContain('r-0123456789');
      expect((await loa.ops('GET', `/ops/agreements/${agreementId}`)).status).toBe(404);
      const file = await secretsFile(loa);
      expect(file).not.toContain(agreementId);
      expect(file).not.toContain(RIDER_TOKEN);
    },
  );

  it.each([
    [
      'a social base URL at the cloud metadata address',
      { ...social({}), baseUrl: 'http://169.254.169.254/' },
      'baseUrl',
    ],
    [
      'a social base URL on a link-local address',
      { ...social({}), baseUrl: 'http://169.254.10.1/2/' },
      'baseUrl',
    ],
    [
      'a broadcast ingest on a private address',
      { type: 'broadcast', target: 'http', url: 'http://10.0.4.2/ingest/' },
      'url',
    ],
  ])('refuses %s when private targets are refused, and stores nothing', async (name, channel, field) => {
    const agreementId = `ssrf-${name.replace(/[^a-z]+/g, '-').replace(/-$/, '')}`;

    const res = await create(guarded, agreementId, [rider, channel]);

    expect(res.status).toBe(400);
    expect(res.json.problems).toEqual([
      expect.stringMatching(new RegExp(`^channels\\.1\\.${field}: .+address`)),
    ]);
    expect(res.text).not.toContain(RIDER_TOKEN);
    expect((await guarded.ops('GET', `/ops/agreements/${agreementId}`)).status).toBe(404);
    const file = await secretsFile(guarded);
    expect(file).not.toContain(agreementId);
    expect(file).not.toContain(RIDER_TOKEN);
  });

  it('accepts the public API defaults when private targets are refused', async () => {
    const res = await create(guarded, 'guarded-social', socialChannels());

    expect(res.status).toBe(201);
    expect(res.json.agreement.channels.map((c: { baseUrl: string }) => c.baseUrl)).toEqual([
      'https://api.x.com',
      'https://graph.facebook.com/v21.0',
      'https://openapi.zalo.me',
    ]);
  });

  it('refuses a taken agreement id without touching the existing credentials', async () => {
    const again = await create(loa, 'vtv4-social', [
      social({ credentials: { accessToken: 'an-intruders-token' } }),
    ]);

    expect(again.status).toBe(409);
    expect(await loa.deps.secrets.get(credentialsRef('vtv4-social', 'x'))).toBe(
      JSON.stringify({ accessToken: TOKENS.x }),
    );
    expect(await secretsFile(loa)).not.toContain('an-intruders-token');
  });
});

describe('changes after signing', () => {
  it('keeps social and broadcast channels and their secrets through a change, a suspension and a resumption', async () => {
    const body = agreementBody('vtv4-mixed', [...socialChannels(), ...broadcastChannels()]);
    const created = await loa.ops('POST', '/ops/agreements', body);
    expect(created.status).toBe(201);
    const refs = [
      ...['x', 'facebook', 'zalo'].map((c) => credentialsRef('vtv4-mixed', c)),
      signingSecretRef('vtv4-mixed', 'given'),
    ];
    const signing = ['webhook', 'broadcast', 'given'];
    const before = await Promise.all(refs.map((r) => loa.deps.secrets.get(r)));
    const signedBefore = await Promise.all(signing.map((c) => signingSecret('vtv4-mixed', c)));

    const patched = await loa.ops('PATCH', '/ops/agreements/vtv4-mixed', {
      partnerName: 'VTV4 — Kênh quốc tế',
      topics: ['culture-tourism', 'infrastructure'],
      languages: ['vi'],
      webhookUrls: { webhook: 'https://cms.vtv.vn/loa/hook-v2' },
      ifUpdatedAt: created.json.agreement.updatedAt,
    });
    const suspended = await loa.ops('POST', '/ops/agreements/vtv4-mixed/suspend');
    const resumed = await loa.ops('POST', '/ops/agreements/vtv4-mixed/resume');
    const read = await loa.ops('GET', '/ops/agreements/vtv4-mixed');

    expect([patched.status, suspended.status, resumed.status]).toEqual([200, 200, 200]);
    expect(patched.json.partner.name).toBe('VTV4 — Kênh quốc tế');
    const expected = created.json.agreement.channels.map((c: { channelId: string }) =>
      c.channelId === 'webhook' ? { ...c, url: 'https://cms.vtv.vn/loa/hook-v2' } : c,
    );
    for (const a of [patched.json, suspended.json, resumed.json, read.json])
      expect(a.channels).toEqual(expected);
    expect(await Promise.all(refs.map((r) => loa.deps.secrets.get(r)))).toEqual(before);
    expect(before.every(Boolean)).toBe(true);
    expect(await Promise.all(signing.map((c) => signingSecret('vtv4-mixed', c)))).toEqual(signedBefore);
    expect(signedBefore).not.toContain('missing');
  });

  it('refuses a new webhook URL for a social or broadcast channel, and changes nothing', async () => {
    const current = (await loa.ops('GET', '/ops/agreements/vtv4-mixed')).json;

    const res = await loa.ops('PATCH', '/ops/agreements/vtv4-mixed', {
      webhookUrls: { x: 'https://evil.example/', broadcast: 'https://evil.example/ingest/' },
    });

    expect(res.status).toBe(400);
    expect(res.json.problems).toEqual([
      'webhookUrls.x: channel x is not a webhook channel',
      'webhookUrls.broadcast: channel broadcast is not a webhook channel',
    ]);
    expect((await loa.ops('GET', '/ops/agreements/vtv4-mixed')).json).toEqual(current);
  });

  it("replaces a social channel's token in the secret store only, answering nothing back", async () => {
    const current = (await loa.ops('GET', '/ops/agreements/vtv4-mixed')).json;
    const renewed = 'x-oauth2-user-token-renewed-42';

    const res = await loa.ops('PUT', '/ops/agreements/vtv4-mixed/channels/x/credentials', {
      accessToken: renewed,
    });

    expect([res.status, res.text]).toEqual([204, '']);
    expect(JSON.parse((await loa.deps.secrets.get(credentialsRef('vtv4-mixed', 'x'))) ?? '{}')).toEqual({
      accessToken: renewed,
    });
    expect((await loa.ops('GET', '/ops/agreements/vtv4-mixed')).json).toEqual(current);
  });

  it('refuses new credentials for a channel that has none, or a malformed token, and writes nothing', async () => {
    const before = await secretsFile(loa);

    const webhook = await loa.ops('PUT', '/ops/agreements/vtv4-mixed/channels/webhook/credentials', {
      accessToken: 'a-token-for-a-webhook',
    });
    const short = await loa.ops('PUT', '/ops/agreements/vtv4-mixed/channels/zalo/credentials', {
      accessToken: 'x',
    });
    const missing = await loa.ops('PUT', '/ops/agreements/vtv4-mixed/channels/nope/credentials', {
      accessToken: 'a-token-for-nobody',
    });

    expect(webhook.status).toBe(400);
    expect(webhook.json.problems).toEqual([
      'channel webhook is a webhook channel: only social channels have network credentials',
    ]);
    expect(short.status).toBe(400);
    expect(JSON.stringify(short.json)).toContain('accessToken');
    expect(missing.status).toBe(404);
    expect(await secretsFile(loa)).toBe(before);
  });
});

describe('the loa CLI', () => {
  const cli = (args: string[], stdin = '') => runLoa(loa, args, { stdin });

  it('creates a broadcast and social agreement, printing each channel and the generated secret, not the tokens', async () => {
    const body = agreementBody('cli-channels', [
      socialChannels()[0],
      { type: 'broadcast', channelId: 'ingest', target: 'http', url: 'https://ingest.vtv.vn/loa/' },
      broadcastChannels()[3],
    ]);

    const created = await cli(['agreements', 'create', '-'], JSON.stringify(body));
    const shown = await cli(['agreements', 'get', 'cli-channels']);
    const listed = await cli(['agreements', 'list']);

    expect([created.code, shown.code, listed.code]).toEqual([0, 0, 0]);
    const secret = await signingSecret('cli-channels', 'ingest');
    expect(created.stdout).toContain(`secret ingest (broadcast:http): ${secret}`);
    for (const out of [created.stdout, shown.stdout]) {
      expect(out).toMatch(/^x\s+social:x\s+https:\/\/api\.x\.com$/m);
      expect(out).toMatch(/^ingest\s+broadcast:http\s+https:\/\/ingest\.vtv\.vn\/loa\/$/m);
      expect(out).toMatch(new RegExp(`^bucket\\s+broadcast:s3\\s+vtv4-ingest/loa/tin/\\s+${ROLE}$`, 'm'));
    }
    expect(listed.stdout).toMatch(/cli-channels .* social:x,broadcast:http,broadcast:s3$/m);
    expect(shown.stdout).not.toContain(secret);
    for (const run of [created, shown, listed]) {
      expect(run.stdout + run.stderr).not.toContain(TOKENS.x);
    }
  });

  it('names the field at fault when the API refuses, without echoing the token sent', async () => {
    const body = agreementBody('cli-refused', [{ ...socialChannels()[1], accountId: undefined }]);

    const refused = await cli(['agreements', 'create', '-'], JSON.stringify(body));

    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('channels.0.accountId: is required for facebook');
    expect(refused.stdout + refused.stderr).not.toContain(TOKENS.facebook);
  });
});
