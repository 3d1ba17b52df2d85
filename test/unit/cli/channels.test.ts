import { describe, expect, it } from 'vitest';
import { channelKind, channelTable } from '#infra/cli/channels.ts';
import { CliError } from '#infra/cli/client.ts';
import type { Context } from '#infra/cli/command.ts';
import { COMMANDS } from '#infra/cli/commands/all.ts';

const ROLE = 'arn:aws:iam::123456789012:role/loa-ingest-vtv';

/** Channels as `GET /ops/agreements/{id}` returns them. */
const CHANNELS = [
  {
    channelId: 'webhook',
    type: 'webhook',
    url: 'https://cms.vtv.vn/loa/hook',
    secretRef: 'loa/agreements/a/channels/webhook/webhook-secret',
  },
  { channelId: 'feed', type: 'feed' },
  {
    channelId: 'ingest',
    type: 'broadcast',
    target: 'http',
    url: 'https://ingest.vtv.vn/loa/',
    secretRef: 'loa/agreements/a/channels/ingest/signing-secret',
  },
  {
    channelId: 'bucket',
    type: 'broadcast',
    target: 's3',
    bucket: 'vtv4-ingest',
    prefix: 'loa/tin/',
    roleArn: ROLE,
  },
  {
    channelId: 'x',
    type: 'social',
    network: 'x',
    baseUrl: 'https://api.x.com',
    credentialsRef: 'loa/agreements/a/channels/x/credentials',
  },
  {
    channelId: 'facebook',
    type: 'social',
    network: 'facebook',
    baseUrl: 'https://graph.facebook.com/v21.0',
    accountId: '104573829100001',
    credentialsRef: 'loa/agreements/a/channels/facebook/credentials',
  },
];

const AGREEMENT = {
  agreementId: 'vtv4',
  partner: { partnerId: 'vtv4', name: 'VTV4' },
  status: 'active',
  validFrom: '2024-01-01',
  validTo: '2099-12-31',
  topics: ['culture-tourism'],
  languages: ['vi'],
  channels: CHANNELS,
};

function command(...path: string[]) {
  const found = COMMANDS.find((c) => c.path.join(' ') === path.join(' '));
  if (!found) throw new Error(`no command ${path.join(' ')}`);
  return found;
}

/** A context whose API answers `answer` and records what was asked. */
function contextOf(args: string[], answer: unknown, input = '') {
  const asked: { method: string; path: string; body?: unknown }[] = [];
  const ctx: Context = {
    api: {
      endpoint: 'http://127.0.0.1:4010',
      auth: { kind: 'token', token: 't' },
      async request(method, path, body) {
        asked.push({ method, path, body });
        return answer;
      },
    },
    values: {},
    args,
    now: () => new Date('2026-03-01T12:00:00Z'),
    sleep: async () => undefined,
    readInput: async () => input,
    progress: () => undefined,
    until: Promise.resolve(),
    log: () => undefined,
  };
  return { ctx, asked };
}

describe('channel names', () => {
  it('names social channels by network and broadcast channels by target', () => {
    expect(CHANNELS.map(channelKind)).toEqual([
      'webhook',
      'feed',
      'broadcast:http',
      'broadcast:s3',
      'social:x',
      'social:facebook',
    ]);
  });

  it('shows where each channel goes and as whom, and no secret reference', () => {
    const out = channelTable(CHANNELS);

    expect(out.split('\n').map((l) => l.replace(/\s+/g, ' '))).toEqual([
      'CHANNEL KIND TARGET ACCOUNT',
      'webhook webhook https://cms.vtv.vn/loa/hook',
      'feed feed',
      'ingest broadcast:http https://ingest.vtv.vn/loa/',
      `bucket broadcast:s3 vtv4-ingest/loa/tin/ ${ROLE}`,
      'x social:x https://api.x.com',
      'facebook social:facebook https://graph.facebook.com/v21.0 104573829100001',
    ]);
    expect(out).not.toContain('loa/agreements/');
  });
});

describe('agreements commands', () => {
  it('lists each agreement with the kinds of its channels', async () => {
    const { ctx } = contextOf([], { items: [{ ...AGREEMENT, channels: CHANNELS.slice(2, 5) }] });

    const out = await command('agreements', 'list').run(ctx);

    expect(out.human.split('\n')[1]).toMatch(/ broadcast:http,broadcast:s3,social:x$/);
  });

  it('shows one agreement with a table of its channels', async () => {
    const { ctx, asked } = contextOf(['vtv4'], AGREEMENT);

    const out = await command('agreements', 'get').run(ctx);

    expect(asked).toEqual([{ method: 'GET', path: '/ops/agreements/vtv4', body: undefined }]);
    expect(out.human).toMatch(/^bucket\s+broadcast:s3\s+vtv4-ingest\/loa\/tin\//m);
    expect(out.human).toMatch(/^x\s+social:x\s+https:\/\/api\.x\.com$/m);
    expect(out.human).not.toContain('credentials');
  });

  it('prints the signing secrets Loa generated, by channel and kind, and never the credentials sent in', async () => {
    const token = 'EAAGpageAccessToken0123456789';
    const file = JSON.stringify({
      ...AGREEMENT,
      channels: [
        { type: 'webhook', url: 'https://cms.vtv.vn/loa/hook' },
        { type: 'broadcast', channelId: 'ingest', target: 'http', url: 'https://ingest.vtv.vn/loa/' },
        {
          type: 'social',
          channelId: 'facebook',
          network: 'facebook',
          accountId: '1',
          credentials: { accessToken: token },
        },
      ],
    });
    const answer = {
      agreement: AGREEMENT,
      secrets: { webhook: 'whsec_generatedWebhookSecret', ingest: 'whsec_generatedSigningSecret' },
    };
    const { ctx, asked } = contextOf(['-'], answer, file);

    const out = await command('agreements', 'create').run(ctx);

    expect(asked[0]?.body).toEqual(JSON.parse(file));
    expect(out.human.split('\n').slice(-2)).toEqual([
      'secret webhook (webhook): whsec_generatedWebhookSecret',
      'secret ingest (broadcast:http): whsec_generatedSigningSecret',
    ]);
    expect(out.human).not.toContain(token);
  });

  it('refuses a file that is not JSON without quoting any of it', async () => {
    // An unquoted token: V8's own message would quote the text around it.
    const { ctx, asked } = contextOf(
      ['agreement.json'],
      {},
      '{"credentials":{"accessToken":EAAGsecretToken}}',
    );

    const attempt = command('agreements', 'create').run(ctx);

    await expect(attempt).rejects.toThrow(CliError);
    await expect(attempt).rejects.toThrow('agreement.json is not JSON: unexpected token');
    await expect(attempt).rejects.not.toThrow(/EAAG/);
    expect(asked).toEqual([]);
  });
});
