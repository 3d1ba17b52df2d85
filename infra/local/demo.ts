import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { s3Client } from '#adapters/aws/clients.ts';
import { createAgreement, signingSecretRef } from '#app/create-agreement.ts';
import { LOCAL_CMS_ACCESS_KEY_ID } from '#infra/local/publishers.ts';
import { BUS_NAME } from '#infra/wiring.ts';
import type { CreateAgreementInput } from '#schemas/agreement.ts';
import type { DemoPartner } from './demo-partners.ts';
import { type FakeFacebook, startFakeFacebook } from './fakes/facebook.ts';
import { type FakeIngest, startFakeIngest } from './fakes/ingest.ts';
import { type FakeX, startFakeX } from './fakes/x.ts';
import { type FakeZalo, startFakeZalo } from './fakes/zalo.ts';
import type { LocalLoa } from './runtime.ts';
import { approvalSamples, uploadSampleAssets } from './samples.ts';

/** Every topic of the province's CMS: what the demo's agreements (and the soak test) spread over. */
export const DEMO_TOPICS = [
  'party-resolutions',
  'infrastructure',
  'national-target-programmes',
  'administrative-reform',
  'environment-climate',
  'culture-tourism',
  'ocop-products',
  'border-security',
];

/**
 * The demo's partners: a foreign-audience TV channel, and a provincial portal that is flaky and
 * starts broken (it refuses everything until fixed), so failures and replays have real rows.
 */
export const DEMO_PARTNERS: DemoPartner[] = [
  { partnerId: 'vtv4', flaky: false },
  { partnerId: 'cong-tin-vung-cao', flaky: true, broken: true },
];

/** Fixed loopback ports of the demo's fake network APIs and ingest, so stored base URLs survive a restart. */
interface DemoFakePorts {
  x: number;
  facebook: number;
  zalo: number;
  ingest: number;
}

/** An access token for each social network. */
type SocialTokens = Record<'x' | 'facebook' | 'zalo', string>;

/** A fake X, a fake Facebook page and a fake Zalo OA, each taking its token. */
export interface SocialFakes {
  x: FakeX;
  facebook: FakeFacebook;
  zalo: FakeZalo;
  /** An agreement's channels posting to the three fakes, with their tokens. */
  channels(): ReturnType<typeof socialChannel>[];
  close(): Promise<void>;
}

/** Starts the three social fakes (on `ports`, or on free ones); the Facebook page is `pageId`. */
export async function startSocialFakes(
  tokens: SocialTokens,
  pageId: string,
  ports: Partial<Record<keyof SocialTokens, number>> = {},
): Promise<SocialFakes> {
  const [x, facebook, zalo] = await Promise.all([
    startFakeX({ port: ports.x, accessTokens: [tokens.x] }),
    startFakeFacebook({ port: ports.facebook, pageId, accessToken: tokens.facebook }),
    startFakeZalo({ port: ports.zalo, accessToken: tokens.zalo }),
  ]);
  return {
    x,
    facebook,
    zalo,
    channels: () => [
      socialChannel('x', x.baseUrl, tokens.x),
      socialChannel('facebook', facebook.baseUrl, tokens.facebook, pageId),
      socialChannel('zalo', zalo.baseUrl, tokens.zalo),
    ],
    close: async () => {
      await Promise.all([x.close(), facebook.close(), zalo.close()]);
    },
  };
}

/** The demo's stand-ins for X, a Facebook page, a Zalo OA and a radio's HTTP ingest. */
export interface DemoFakes extends SocialFakes {
  ingest: FakeIngest;
}

/** The bucket the demo's TV partner ingests from (in the local S3). */
export const DEMO_INGEST_BUCKET = 'vtv4-ingest';
const DEMO_TOKENS = { x: 'demo-x-user-token', facebook: 'EAAdemoPageToken', zalo: 'demo-zalo-oa-token' };
const DEMO_PAGE_ID = '1000000001';

/**
 * Starts the fakes. The ingest verifies Standard Webhooks signatures with the radio's signing secret,
 * read from the runtime's secret store once the agreement exists.
 */
export async function startDemoFakes(
  loa: LocalLoa,
  ports: DemoFakePorts,
  dataDir: string,
): Promise<DemoFakes> {
  const [social, ingest] = await Promise.all([
    startSocialFakes(DEMO_TOKENS, DEMO_PAGE_ID, ports),
    startFakeIngest({
      port: ports.ingest,
      dir: join(dataDir, 'demo-ingest'),
      secret: () => loa.deps.secrets.get(signingSecretRef('vov-hagiang-2025', 'ingest')),
    }),
  ]);
  return {
    ...social,
    ingest,
    close: async () => {
      await Promise.all([social.close(), ingest.close()]);
    },
  };
}

/**
 * A social channel as an agreement takes it: `network`'s API at `baseUrl`, with an access token (and,
 * for a Facebook page, the page's id). Its channel id is the network's name.
 */
export function socialChannel(
  network: 'x' | 'facebook' | 'zalo',
  baseUrl: string,
  accessToken: string,
  accountId?: string,
) {
  return {
    type: 'social',
    channelId: network,
    network,
    baseUrl,
    ...(accountId !== undefined && { accountId }),
    credentials: { accessToken },
  } as const;
}

/**
 * Creates the demo agreements: a TV channel for audiences abroad (webhook, feed, S3 ingest), a flaky
 * provincial portal (webhook), a radio (HTTP ingest) and a newspaper's social accounts.
 */
async function seedAgreements(loa: LocalLoa, fakes: DemoFakes): Promise<void> {
  const hook = (partnerId: string) => `${loa.baseUrl}/demo/partners/${partnerId}/webhook`;
  /** The demo's partners verify with a secret of their own, kept in the secret store (`secretRef`). */
  const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
  /** An active agreement on all the demo's topics, in Vietnamese, for 2025–2027, held for embargoes. */
  const agreement = (
    agreementId: string,
    partner: { partnerId: string; name: string },
    channels: CreateAgreementInput['channels'],
    more: Partial<CreateAgreementInput> = {},
  ) =>
    createAgreement(loa.deps, {
      agreementId,
      partner,
      status: 'active',
      validFrom: '2025-01-01',
      validTo: '2027-12-31',
      topics: DEMO_TOPICS,
      languages: ['vi'],
      channels,
      embargo: 'hold',
      ...more,
    });
  const vtv4 = await agreement(
    'vtv4-hagiang-2024',
    { partnerId: 'vtv4', name: 'Ban Truyền hình đối ngoại – Đài Truyền hình Việt Nam (VTV4)' },
    [
      { type: 'webhook', url: hook('vtv4'), secret: secret() },
      { type: 'feed' },
      // A TV channel's playout ingest: Media RSS + NewsML-G2 and the pictures, in its bucket.
      { type: 'broadcast', channelId: 'ingest', target: 's3', bucket: DEMO_INGEST_BUCKET, prefix: 'loa/' },
    ],
    { validFrom: '2024-02-16', validTo: '2027-02-15', languages: ['vi', 'en'] },
  );
  // A radio station's HTTP ingest, and a provincial newspaper's social accounts.
  await agreement('vov-hagiang-2025', { partnerId: 'vov', name: 'Đài Tiếng nói Việt Nam (VOV)' }, [
    {
      type: 'broadcast',
      channelId: 'ingest',
      target: 'http',
      url: `${fakes.ingest.baseUrl}/ingest`,
      secret: secret(),
    },
  ]);
  await agreement(
    'bao-ha-giang-social-2025',
    { partnerId: 'bao-ha-giang', name: 'Báo Hà Giang' },
    fakes.channels(),
  );
  const portal = await agreement(
    'cong-tin-vung-cao-2025',
    { partnerId: 'cong-tin-vung-cao', name: 'Cổng thông tin Vùng Cao' },
    [{ type: 'webhook', url: hook('cong-tin-vung-cao'), secret: secret() }],
    { topics: ['culture-tourism', 'ocop-products', 'infrastructure'] },
  );
  for (const created of [vtv4, portal]) {
    const channel = created.agreement.channels.find((c) => c.type === 'webhook');
    const partner = DEMO_PARTNERS.find((p) => p.partnerId === created.agreement.partner.partnerId);
    if (partner && channel?.type === 'webhook') partner.secretRef = channel.secretRef;
  }
}

/** After a restart the agreements exist: point the demo partners at their secrets again. */
export async function reattachDemoPartners(loa: LocalLoa): Promise<void> {
  for (const agreement of await loa.deps.agreements.list()) {
    const partner = DEMO_PARTNERS.find((p) => p.partnerId === agreement.partner.partnerId);
    const channel = agreement.channels.find((c) => c.type === 'webhook');
    if (partner && channel?.type === 'webhook') partner.secretRef = channel.secretRef;
  }
}

/**
 * Seeds agreements, uploads the sample assets and approves the sample articles through the real
 * EventBridge client, exactly as a CMS would: first versions (and the translation) first, then, once
 * they have gone out, the updated version, so partners see it as an update.
 */
export async function runDemo(loa: LocalLoa, fakes: DemoFakes, log: (line: string) => void): Promise<void> {
  const s3 = s3Client('us-east-1', loa.s3Endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: DEMO_INGEST_BUCKET }));
  await seedAgreements(loa, fakes);
  const samples = await approvalSamples();
  await uploadSampleAssets(s3, samples);
  s3.destroy();
  const events = new EventBridgeClient({
    region: 'us-east-1',
    endpoint: loa.baseUrl,
    credentials: { accessKeyId: LOCAL_CMS_ACCESS_KEY_ID, secretAccessKey: 'cms' },
  });
  const send = (batch: typeof samples) =>
    events.send(
      new PutEventsCommand({
        Entries: batch.map((s) => ({
          EventBusName: BUS_NAME,
          Source: s.Source,
          DetailType: s.DetailType,
          Detail: JSON.stringify(s.Detail),
        })),
      }),
    );
  const isUpdate = (s: (typeof samples)[number]) =>
    ((s.Detail.article as { version?: number }).version ?? 1) > 1;
  await send(samples.filter((s) => !isUpdate(s)));
  await loa.settled();
  await send(samples.filter(isUpdate));
  events.destroy();
  const agreements = (await loa.deps.agreements.list()).length;
  log(
    `demo: ${agreements} agreements, ${samples.length} approved articles sent to the bus (one of them an update)`,
  );
}
