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
  /**
   * Starts broken: refuses every webhook with 422 (a final failure) until an operator fixes it (its
   * inbox page's button, `loa demo partner <id> --fix`), so the demo has failures to replay.
   */
  broken?: boolean;
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
  const broken = new Set(partners.filter((p) => p.broken).map((p) => p.partnerId));
  const seen = new Set<string>();
  const partnerOf = (url: URL) => partners.find((p) => url.pathname.split('/')[3] === p.partnerId);
  const reply = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res
      .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
      .end(JSON.stringify(body));
  };

  const receive = async (req: IncomingMessage, res: ServerResponse, body: Buffer, url: URL) => {
    const partner = partnerOf(url);
    if (!partner?.secretRef) return reply(res, 404, { error: 'no such demo partner' });
    if (url.pathname.endsWith('/switch')) return flip(partner.partnerId, body, req, res);
    const id = String(req.headers['webhook-id'] ?? '');
    if (broken.has(partner.partnerId))
      return reply(res, 422, {
        error: 'demo: this partner is broken; fix it on its inbox page or with loa demo partner --fix',
      });
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

  /** `POST …/switch` with `{broken: boolean}` (JSON, the CLI) or `broken=0|1` (the inbox page's form). */
  const flip = (partnerId: string, body: Buffer, req: IncomingMessage, res: ServerResponse) => {
    const raw = body.toString('utf8');
    const form = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    let wanted: unknown;
    try {
      wanted = form
        ? new URLSearchParams(raw).get('broken') === '1'
        : (JSON.parse(raw) as { broken?: unknown }).broken;
    } catch {
      wanted = undefined;
    }
    if (typeof wanted !== 'boolean') return reply(res, 400, { error: 'send {"broken": true|false}' });
    if (wanted) broken.add(partnerId);
    else broken.delete(partnerId);
    if (form) return void res.writeHead(303, { location: `/demo/partners/${partnerId}/inbox` }).end();
    reply(res, 200, { partnerId, broken: wanted });
  };

  return [
    { method: 'POST', prefix: '/demo/partners/', handle: receive },
    {
      method: 'GET',
      prefix: '/demo/partners/',
      handle: (req, res, _body, url) => {
        const partner = partnerOf(url);
        if (!partner) return reply(res, 404, { error: 'no such demo partner' });
        const items = inbox.get(partner.partnerId) ?? [];
        const isBroken = broken.has(partner.partnerId);
        if (!String(req.headers.accept ?? '').includes('text/html'))
          return reply(res, 200, { broken: isBroken, items });
        res
          .writeHead(200, {
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy': "default-src 'none'; form-action 'self'",
          })
          .end(inboxPage(partner.partnerId, isBroken, items));
      },
    },
  ];
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** The inbox in a browser: what arrived, and the switch that breaks or fixes this partner. */
function inboxPage(partnerId: string, isBroken: boolean, items: Received[]): string {
  const rows = items
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.at)}</td><td>${escapeHtml(r.type)}</td><td>${escapeHtml(r.headline)}</td></tr>`,
    )
    .join('');
  return `<!doctype html><meta charset="utf-8"><title>${escapeHtml(partnerId)} inbox</title>
<h1>${escapeHtml(partnerId)}: ${isBroken ? 'broken (refuses every webhook with 422)' : 'working'}</h1>
<form method="post" action="/demo/partners/${encodeURIComponent(partnerId)}/switch">
<input type="hidden" name="broken" value="${isBroken ? '0' : '1'}">
<button>${isBroken ? 'Fix this partner' : 'Break this partner'}</button></form>
<table><tr><th>at</th><th>type</th><th>headline</th></tr>${rows}</table>`;
}
