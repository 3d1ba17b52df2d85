import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifyWebhook } from '#domain/webhook-signature.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import type { ExtraRoute } from './http-server.ts';

export interface DemoPartner {
  partnerId: string;
  /** Where its webhook secret lives in the secret store (set once the agreement exists). */
  secretRef?: string;
  /** Answers 503 (Retry-After: 1) to the first try of each message, to show retries. */
  flaky: boolean;
}

interface Received {
  webhookId: string;
  type: string;
  headline: string;
  verified: boolean;
  at: string;
}

/**
 * Stand-ins for partners' CMS endpoints, served by the local server: each verifies the Standard
 * Webhooks signature as a partner would and keeps an inbox an operator can read.
 */
export function demoPartnerRoutes(partners: DemoPartner[], secrets: () => SecretStore): ExtraRoute[] {
  const inbox = new Map<string, Received[]>(partners.map((p) => [p.partnerId, []]));
  const seen = new Set<string>();
  const partnerOf = (url: URL) => partners.find((p) => url.pathname.split('/')[3] === p.partnerId);
  const reply = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res
      .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
      .end(JSON.stringify(body));

  const receive = async (req: IncomingMessage, res: ServerResponse, body: Buffer, url: URL) => {
    const partner = partnerOf(url);
    if (!partner?.secretRef) return reply(res, 404, { error: 'no such demo partner' });
    const id = String(req.headers['webhook-id'] ?? '');
    if (partner.flaky && !seen.has(`${partner.partnerId}:${id}`)) {
      seen.add(`${partner.partnerId}:${id}`);
      return reply(res, 503, { error: 'demo: busy, try again' }, { 'retry-after': '1' });
    }
    const secret = (await secrets().get(partner.secretRef)) ?? '';
    const raw = body.toString('utf8');
    const verified = verifyWebhook(
      secret,
      id,
      Number(req.headers['webhook-timestamp']),
      raw,
      String(req.headers['webhook-signature'] ?? ''),
    );
    if (!verified) return reply(res, 401, { error: 'signature does not verify' });
    const payload = JSON.parse(raw) as { type: string; data: { headlines?: { value: string }[] } };
    inbox.get(partner.partnerId)?.push({
      webhookId: id,
      type: payload.type,
      headline: payload.data.headlines?.[0]?.value ?? '',
      verified,
      at: new Date().toISOString(),
    });
    reply(res, 200, { ok: true });
  };

  return [
    { method: 'POST', prefix: '/demo/partners/', handle: receive },
    {
      method: 'GET',
      prefix: '/demo/partners/',
      handle: (_req, res, _body, url) => {
        const partner = partnerOf(url);
        reply(
          res,
          partner ? 200 : 404,
          partner ? { items: inbox.get(partner.partnerId) } : { error: 'no such demo partner' },
        );
      },
    },
  ];
}
