/**
 * Rotating a partner's signing secret on the whole local runtime, verified on the partner's side with
 * the `standardwebhooks` package: during the overlap a partner on the old secret and one on the new
 * both accept; after it only the new; the secret is answered once and is in no table item nor any
 * later answer; a channel from before derived keys (its own stored secret) signs as it did.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dynamoClient } from '#adapters/aws/clients.ts';
import { webhookSecretRef } from '#app/create-agreement.ts';
import type { Agreement } from '#schemas/agreement.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { runLoa } from '#test/support/cli-harness.ts';
import { ManualClock } from '#test/support/feed-harness.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { postAgreement } from '#test/support/ops-fixtures.ts';
import { Receiver } from '#test/support/receiver.ts';

const IMAGE = Buffer.from('ảnh: bytes of a photo');
const HOUR = 3_600_000;

let loa: TestLoa;
let partner: Receiver;
let clock: ManualClock;

beforeAll(async () => {
  partner = await new Receiver().start();
  loa = await startTestLoa();
  clock = new ManualClock(new Date());
  loa.deps.clock = { now: clock.now };
});

afterEach(() => {
  vi.useRealTimers();
});

afterAll(async () => {
  await loa?.close();
  await partner?.stop();
});

/** A webhook agreement through the ops API; its generated secret. */
async function webhookAgreement(agreementId: string, path: string): Promise<string> {
  const res = await postAgreement(loa, {
    agreementId,
    partnerName: 'Báo Hà Giang',
    topics: ['infrastructure'],
    channels: [{ type: 'webhook', url: `${partner.baseUrl}${path}` }],
  });
  return res.secrets.webhook as string;
}

/** Approves an article on the bus and waits for its deliveries; the partner's last POST to `path`. */
async function deliverOne(articleId: string, path: string) {
  await loa.approveArticle(articleFixture({ articleId, topics: ['infrastructure'] }), IMAGE);
  await loa.settled();
  const post = partner.to(path).at(-1);
  if (!post) throw new Error(`no POST to ${path}`);
  return { body: post.body, headers: post.headers as Record<string, string> };
}

/** Whether a partner holding `secret` accepts the POST, checked at the runtime's time (as a partner's own clock). */
function accepts(secret: string, post: { body: string; headers: Record<string, string> }): boolean {
  vi.useFakeTimers({ toFake: ['Date'], now: clock.now() });
  try {
    new Webhook(secret).verify(post.body, post.headers);
    return true;
  } catch {
    return false;
  } finally {
    vi.useRealTimers();
  }
}

/**
 * Rotates through the ops API, then lets the workers' agreement cache (10 s) lapse, so the next
 * delivery reads the rotated channel: the new key signs within those seconds of a rotation.
 */
async function rotate(agreementId: string, channelId: string, body?: unknown) {
  const res = await loa.ops(
    'POST',
    `/ops/agreements/${agreementId}/channels/${channelId}/rotate-secret`,
    body,
  );
  clock.advance(11_000);
  return res;
}

async function tableDump(): Promise<string> {
  const client = dynamoClient('us-east-1', loa.dynamoEndpoint);
  try {
    return JSON.stringify((await client.send(new ScanCommand({ TableName: 'loa' }))).Items ?? []);
  } finally {
    client.destroy();
  }
}

describe('rotating a webhook secret', () => {
  it('signs with both secrets during the overlap, so a partner on the old one and one on the new both accept', async () => {
    const old = await webhookAgreement('rotating', '/cms/rotating');

    const rotated = await rotate('rotating', 'webhook');

    expect(rotated.status).toBe(200);
    expect(rotated.json.version).toBe(2);
    expect(rotated.json.secret).toMatch(/^whsec_/);
    expect(rotated.json.secret).not.toBe(old);
    expect(rotated.json.previousValidUntil).toBe(
      new Date(clock.now().getTime() - 11_000 + 24 * HOUR).toISOString(),
    );
    const post = await deliverOne('rotating-1', '/cms/rotating');
    expect(post.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(accepts(old, post)).toBe(true);
    expect(accepts(rotated.json.secret, post)).toBe(true);
  });

  it('signs with the new secret only once the overlap is over', async () => {
    const old = await webhookAgreement('expiring', '/cms/expiring');
    const fresh = await rotate('expiring', 'webhook', { overlapHours: 2 });
    const during = await deliverOne('expiring-1', '/cms/expiring');
    const acceptedDuring = [accepts(old, during), accepts(fresh.json.secret, during)];
    clock.advance(3 * HOUR);

    const after = await deliverOne('expiring-2', '/cms/expiring');

    expect(acceptedDuring).toEqual([true, true]);
    expect(after.headers['webhook-signature']?.split(' ')).toHaveLength(1);
    expect(accepts(fresh.json.secret, after)).toBe(true);
    expect(accepts(old, after)).toBe(false);
  });

  it('keeps every earlier key still in its overlap signing until the new, shorter overlap ends', async () => {
    const fresh = await rotate('rotating', 'webhook', { overlapHours: 2 });

    const post = await deliverOne('rotating-2', '/cms/rotating');

    expect(post.headers['webhook-signature']?.split(' ')).toHaveLength(3);
    expect(accepts(fresh.json.secret, post)).toBe(true);
    const channel = (await loa.deps.agreements.get('rotating'))?.channels[0];
    expect(channel?.type === 'webhook' && channel.signingKeys).toEqual([
      { version: 3, master: 1, derivedFor: 'rotating' },
      { version: 2, master: 1, derivedFor: 'rotating', validUntil: fresh.json.previousValidUntil },
      { version: 1, master: 1, derivedFor: 'rotating', validUntil: fresh.json.previousValidUntil },
    ]);
  });

  it('never shows the secret again: in no table item, agreement, history or later answer', async () => {
    const rotated = await rotate('rotating', 'webhook', { overlapHours: 0 });
    expect(rotated.json.previousValidUntil).toBeNull();

    const later = await Promise.all([
      loa.ops('GET', '/ops/agreements/rotating'),
      loa.ops('GET', '/ops/agreements'),
      loa.ops('GET', '/ops/agreements/rotating/history'),
      loa.ops('GET', '/ops/agreements/rotating/deliveries'),
    ]);
    const texts = [...later.map((a) => a.text), await tableDump()];
    for (const text of texts) {
      expect(text).not.toContain(rotated.json.secret);
      expect(text).not.toContain(String(rotated.json.secret).replace(/^whsec_/, ''));
    }
    // The history names who rotated and when, never what.
    const change = later[2]?.json.items.find((c: { action: string }) => c.action.includes('rotate-secret'));
    expect(change).toMatchObject({ agreementId: 'rotating', fields: ['credentials:webhook'] });
    expect(change.by).toBeTruthy();
    expect(change.at).toBeTruthy();
  });

  it('answers 404 for an unknown channel and 400 for a channel that does not sign', async () => {
    await postAgreement(loa, {
      agreementId: 'rotating-feed',
      partnerName: 'Báo Hà Giang',
      topics: ['infrastructure'],
      channels: [{ type: 'feed' }],
    });

    expect((await rotate('rotating', 'nowhere')).status).toBe(404);
    expect((await rotate('rotating-feed', 'feed')).status).toBe(400);
    expect((await rotate('rotating', 'webhook', { overlapHours: -1 })).status).toBe(400);
  });
});

describe('a channel created before derived keys', () => {
  it('still signs with its stored secret, and both it and the new one sign after a rotation', async () => {
    await webhookAgreement('before', '/cms/before');
    // As stored before: the channel's own secret in the secret store, only its reference on the item.
    const stored = `whsec_${Buffer.from('a secret from before derived keys!').toString('base64')}`;
    const ref = webhookSecretRef('before', 'webhook');
    await loa.deps.secrets.put(ref, stored);
    const current = (await loa.deps.agreements.get('before')) as Agreement;
    const legacy: Agreement = {
      ...current,
      channels: [
        { channelId: 'webhook', type: 'webhook', url: `${partner.baseUrl}/cms/before`, secretRef: ref },
      ],
      updatedAt: new Date(Date.parse(current.updatedAt) + 1).toISOString(),
    };
    await loa.deps.agreements.update(legacy, current.updatedAt);

    const before = await deliverOne('before-1', '/cms/before');
    const rotated = await rotate('before', 'webhook');
    const during = await deliverOne('before-2', '/cms/before');

    expect(before.headers['webhook-signature']?.split(' ')).toHaveLength(1);
    expect(accepts(stored, before)).toBe(true);
    expect(rotated.json.version).toBe(1);
    expect(accepts(stored, during)).toBe(true);
    expect(accepts(rotated.json.secret, during)).toBe(true);
  });
});

describe('loa channels rotate-secret', () => {
  it('prints the new secret once with its version and the end of the overlap; a partner on it accepts', async () => {
    await webhookAgreement('cli-rotating', '/cms/cli-rotating');

    const run = await runLoa(loa, [
      'channels',
      'rotate-secret',
      'cli-rotating',
      'webhook',
      '--overlap-hours',
      '6',
    ]);
    clock.advance(11_000);
    const post = await deliverOne('cli-rotating-1', '/cms/cli-rotating');

    expect(run.code).toBe(0);
    const secret = /: (whsec_\S+)$/m.exec(run.stdout)?.[1] ?? 'missing';
    expect(run.stdout).toContain('version 2');
    expect(run.stdout).toMatch(/previous secret signs too until \d{4}-/);
    expect(accepts(secret, post)).toBe(true);
    const shown = await runLoa(loa, ['agreements', 'get', 'cli-rotating']);
    expect(shown.stdout).not.toContain(secret);
  });
});
