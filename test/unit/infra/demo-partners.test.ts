/**
 * The demo's broken partner: refuses every webhook (422, a final failure) until switched back, by
 * JSON (the CLI) or by its inbox page's form; and `npm start`'s line per failed delivery.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '#domain/webhook-signature.ts';
import type { BusEvent } from '#infra/local/bus.ts';
import { demoPartnerRoutes } from '#infra/local/demo-partners.ts';
import { failureLine } from '#infra/local/terminal-log.ts';

const SECRET = 'whsec_dGVzdC1zZWNyZXQtZm9yLWRlbW8tcGFydG5lcg==';
let server: Server;
let base: string;

beforeAll(async () => {
  const routes = demoPartnerRoutes(
    [{ partnerId: 'portal', flaky: false, broken: true, secretRef: 'ref' }],
    () => ({
      get: async () => SECRET,
      put: async () => undefined,
    }),
  );
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = routes.find((r) => r.method === req.method && url.pathname.startsWith(r.prefix));
      void route?.handle(req, res, Buffer.concat(chunks), url);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/demo/partners/portal`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function webhook(id: string, headline: string) {
  const body = JSON.stringify({ type: 'article.published', data: { headlines: [{ value: headline }] } });
  const headers = signWebhook(SECRET, id, Math.floor(Date.now() / 1000), body);
  return fetch(`${base}/webhook`, { method: 'POST', headers, body });
}

describe('the demo’s broken partner', () => {
  it('refuses every webhook with 422 while broken, and takes them once fixed', async () => {
    const refused = await webhook('msg_1', 'Hà Giang');
    const fixed = await fetch(`${base}/switch`, { method: 'POST', body: JSON.stringify({ broken: false }) });
    const taken = await webhook('msg_1', 'Hà Giang');
    const inbox = await (await fetch(`${base}/inbox`)).json();

    expect(refused.status).toBe(422);
    expect(await fixed.json()).toEqual({ partnerId: 'portal', broken: false });
    expect(taken.status).toBe(200);
    expect(inbox).toMatchObject({ broken: false, items: [{ webhookId: 'msg_1', headline: 'Hà Giang' }] });
  });

  it('breaks from its inbox page’s form, which shows the switch and escapes what arrived', async () => {
    await webhook('msg_2', '<script>alert(1)</script>');
    const form = await fetch(`${base}/switch`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'broken=1',
      redirect: 'manual',
    });
    const page = await (await fetch(`${base}/inbox`, { headers: { accept: 'text/html' } })).text();

    expect(form.status).toBe(303);
    expect(page).toContain('Fix this partner');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>');
    expect((await webhook('msg_3', 'x')).status).toBe(422);
  });
});

describe('failureLine', () => {
  const event = (detailType: string, detail: Record<string, unknown>) =>
    ({ 'detail-type': detailType, detail }) as unknown as BusEvent;

  it('prints one line for a DeliveryFailed, without the control characters an error may carry', () => {
    const line = failureLine(
      event('DeliveryFailed', {
        deliveryId: 'dlv_1',
        agreementId: 'cong-tin-vung-cao-2025',
        channelId: 'webhook',
        articleId: 'a1',
        version: 2,
        attempts: 1,
        error: 'HTTP 422\n\u001b[31mred',
      }),
    );

    expect(line).toBe(
      'delivery failed  cong-tin-vung-cao-2025 webhook  a1 v2  after 1 attempt(s): HTTP 422 [31mred  (dlv_1)',
    );
    expect(failureLine(event('DeliverySucceeded', {}))).toBeUndefined();
  });
});
