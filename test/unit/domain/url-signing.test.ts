import { describe, expect, it } from 'vitest';
import { urlSignature } from '#domain/url-signing.ts';

const key = 'feed-key-1';
const base = { method: 'GET', path: '/feeds/vtv4-hagiang.rss', expires: 1_900_000_000, kid: 'k1' };
const sign = (p: typeof base, k = key) => urlSignature(k, p.method, p.path, p.expires, p.kid);

describe('urlSignature', () => {
  it('is 43 characters of unpadded base64url (32 bytes of HMAC-SHA256)', () => {
    expect(sign(base)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('is the same for the same request and key', () => {
    expect(sign(base)).toBe(sign({ ...base }));
  });

  it('changes when the method, path, expiry, kid or key changes', () => {
    const original = sign(base);
    for (const changed of [
      sign({ ...base, method: 'POST' }),
      sign({ ...base, path: '/feeds/vtv4-hagiang.atom' }),
      sign({ ...base, expires: base.expires + 1 }),
      sign({ ...base, kid: 'k2' }),
      sign(base, 'feed-key-2'),
    ]) {
      expect(changed).not.toBe(original);
    }
  });

  it('keeps fields apart: moving a character from the path into the kid changes it', () => {
    expect(sign({ ...base, path: '/feeds/a', kid: 'k1' })).not.toBe(
      sign({ ...base, path: '/feeds/', kid: 'ak1' }),
    );
  });
});
