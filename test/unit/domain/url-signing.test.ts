import { describe, expect, it } from 'vitest';
import { checkSignedUrl, signatureMatches, urlSignature } from '#domain/url-signing.ts';

const key = 'feed-key-1';
const now = new Date('2025-06-01T08:00:00Z');
const expires = Math.floor(now.getTime() / 1000) + 600;
const path = '/assets/vtv4-hagiang/cGFja2FnZXMvYQ';
const sig = urlSignature(key, 'GET', path, expires, 'k1');

describe('checkSignedUrl', () => {
  it('accepts a URL signed with the key, unexpired', () => {
    expect(checkSignedUrl(key, { method: 'GET', path, expires, kid: 'k1', sig }, now)).toEqual({ ok: true });
  });

  it('refuses an expired URL', () => {
    const later = new Date((expires + 1) * 1000);
    expect(checkSignedUrl(key, { method: 'GET', path, expires, kid: 'k1', sig }, later)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('refuses a changed path, expiry, kid or method', () => {
    const base = { method: 'GET', path, expires, kid: 'k1', sig };
    for (const changed of [
      { ...base, path: `${path}x` },
      { ...base, expires: expires + 1 },
      { ...base, kid: 'k2' },
      { ...base, method: 'POST' },
    ]) {
      expect(checkSignedUrl(key, changed, now)).toEqual({ ok: false, reason: 'invalid signature' });
    }
  });

  it('refuses when no key is known, with the same reason as a bad signature', () => {
    expect(checkSignedUrl(undefined, { method: 'GET', path, expires, kid: 'k1', sig }, now)).toEqual({
      ok: false,
      reason: 'invalid signature',
    });
  });
});

describe('signatureMatches', () => {
  it('compares without throwing on different lengths', () => {
    expect(signatureMatches(sig, sig.slice(0, 10))).toBe(false);
    expect(signatureMatches(sig, sig)).toBe(true);
  });
});
