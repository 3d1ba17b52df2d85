import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '#domain/webhook-signature.ts';

const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const body = JSON.stringify({ type: 'article.published', data: { headline: 'Hà Giang ký kết với VTV4' } });
const timestamp = Math.floor(Date.now() / 1000);

describe('signWebhook', () => {
  it('produces headers the standardwebhooks reference library verifies', () => {
    const headers = signWebhook(secret, 'msg_1', timestamp, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('signs with several secrets in one header, current first, each verifying on its own (a rotation’s overlap)', () => {
    const other = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const headers = signWebhook([other, secret], 'msg_1', timestamp, body);
    expect(headers['webhook-signature'].split(' ').map((e) => e.slice(0, 3))).toEqual(['v1,', 'v1,']);
    expect(headers['webhook-signature'].split(' ')[0]).toBe(
      signWebhook(other, 'msg_1', timestamp, body)['webhook-signature'],
    );
    for (const s of [other, secret]) expect(new Webhook(s).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(body, headers),
    ).toThrow();
  });

  it('signs the body bytes: one changed diacritic fails verification', () => {
    const headers = signWebhook(secret, 'msg_1', timestamp, body);
    const tampered = body.replace('Hà', 'Ha');
    expect(() => new Webhook(secret).verify(tampered, headers)).toThrow();
  });
});

describe('verifyWebhook', () => {
  it('accepts our own signature and refuses another secret', () => {
    const { 'webhook-signature': sig } = signWebhook(secret, 'msg_1', timestamp, body);
    expect(verifyWebhook(secret, 'msg_1', timestamp, body, sig)).toBe(true);
    const other = `whsec_${Buffer.alloc(32, 8).toString('base64')}`;
    expect(verifyWebhook(other, 'msg_1', timestamp, body, sig)).toBe(false);
  });

  it('accepts any one matching signature among several (key rotation)', () => {
    const { 'webhook-signature': sig } = signWebhook(secret, 'msg_1', timestamp, body);
    expect(verifyWebhook(secret, 'msg_1', timestamp, body, `v1,AAAA ${sig}`)).toBe(true);
  });

  it('refuses a signature of the wrong length or version without throwing', () => {
    expect(verifyWebhook(secret, 'msg_1', timestamp, body, 'v1,AAAA')).toBe(false);
    expect(verifyWebhook(secret, 'msg_1', timestamp, body, 'v2,abc')).toBe(false);
  });
});
