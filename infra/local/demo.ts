import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { s3Client } from '#adapters/aws/clients.ts';
import { createAgreement } from '#app/create-agreement.ts';
import { BUS_NAME } from '#infra/wiring.ts';
import type { DemoPartner } from './demo-partners.ts';
import type { LocalLoa } from './runtime.ts';
import { approvalSamples, uploadSampleAssets } from './samples.ts';

const TOPICS = [
  'party-resolutions',
  'infrastructure',
  'national-target-programmes',
  'administrative-reform',
  'environment-climate',
  'culture-tourism',
  'ocop-products',
  'border-security',
];

/** The demo's partners: a foreign-audience TV channel and a flaky provincial portal. */
export const DEMO_PARTNERS: DemoPartner[] = [
  { partnerId: 'vtv4', flaky: false },
  { partnerId: 'cong-tin-vung-cao', flaky: true },
];

/** Creates the two demo agreements, returning each partner's secret reference. */
async function seedAgreements(loa: LocalLoa): Promise<void> {
  const hook = (partnerId: string) => `${loa.baseUrl}/demo/partners/${partnerId}/webhook`;
  const vtv4 = await createAgreement(loa.deps, {
    agreementId: 'vtv4-hagiang-2024',
    partner: { partnerId: 'vtv4', name: 'Ban Truyền hình đối ngoại – Đài Truyền hình Việt Nam (VTV4)' },
    status: 'active',
    validFrom: '2024-02-16',
    validTo: '2027-02-15',
    topics: TOPICS,
    languages: ['vi', 'en'],
    channels: [{ type: 'webhook', url: hook('vtv4') }, { type: 'feed' }],
    embargo: 'hold',
  });
  const portal = await createAgreement(loa.deps, {
    agreementId: 'cong-tin-vung-cao-2025',
    partner: { partnerId: 'cong-tin-vung-cao', name: 'Cổng thông tin Vùng Cao' },
    status: 'active',
    validFrom: '2025-01-01',
    validTo: '2027-12-31',
    topics: ['culture-tourism', 'ocop-products', 'infrastructure'],
    languages: ['vi'],
    channels: [{ type: 'webhook', url: hook('cong-tin-vung-cao') }],
    embargo: 'hold',
  });
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
 * Seeds agreements, uploads the sample assets and approves the sample articles through the
 * real EventBridge client, exactly as a CMS would.
 */
export async function runDemo(loa: LocalLoa, log: (line: string) => void): Promise<void> {
  await seedAgreements(loa);
  const samples = await approvalSamples();
  const s3 = s3Client('us-east-1', loa.s3Endpoint);
  await uploadSampleAssets(s3, samples);
  s3.destroy();
  const events = new EventBridgeClient({
    region: 'us-east-1',
    endpoint: loa.baseUrl,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await events.send(
    new PutEventsCommand({
      Entries: samples.map((s) => ({
        EventBusName: BUS_NAME,
        Source: s.Source,
        DetailType: s.DetailType,
        Detail: JSON.stringify(s.Detail),
      })),
    }),
  );
  events.destroy();
  log(`demo: 2 agreements, ${samples.length} approved articles sent to the bus`);
}
