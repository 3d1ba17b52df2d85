import { createHmac, timingSafeEqual } from 'node:crypto';

/** Standard Webhooks: the key is the base64 after `whsec_`. */
function keyBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

function sign(secret: string, id: string, timestamp: number, body: string): string {
  return createHmac('sha256', keyBytes(secret)).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
}

/**
 * Headers for one signed webhook request (https://www.standardwebhooks.com). Several secrets (a
 * rotation's overlap) give one `v1,<sig>` entry each, space-separated, the current one first.
 */
export function signWebhook(
  secret: string | readonly string[],
  id: string,
  timestamp: number,
  body: string,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': (typeof secret === 'string' ? [secret] : secret)
      .map((s) => `v1,${sign(s, id, timestamp, body)}`)
      .join(' '),
  };
}

/** Verifies a `webhook-signature` header (space-separated `v1,<sig>` entries) in constant time. */
export function verifyWebhook(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
  signatureHeader: string,
): boolean {
  const expected = Buffer.from(sign(secret, id, timestamp, body), 'base64');
  return signatureHeader.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
