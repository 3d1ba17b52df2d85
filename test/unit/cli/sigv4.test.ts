import { describe, expect, it } from 'vitest';
import { regionOf, signRequest } from '#infra/cli/sigv4.ts';

// AWS's published SigV4 test suite, case "get-vanilla".
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const DATE = new Date('2015-08-30T12:36:00Z');

describe('SigV4 signing for the deployed ops API', () => {
  it("signs AWS's get-vanilla case exactly as the suite expects", async () => {
    const headers = await signRequest(
      { method: 'GET', url: 'https://example.amazonaws.com/' },
      { credentials: CREDENTIALS, region: 'us-east-1', service: 'service', date: DATE },
    );

    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
        'SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('signs for execute-api in the region named by the endpoint, with the session token', async () => {
    const url = new URL(
      'https://a1b2c3.execute-api.ap-southeast-1.amazonaws.com/ops/deliveries?status=failed',
    );

    const headers = await signRequest(
      { method: 'POST', url: url.href, headers: { 'content-type': 'application/json' }, body: '{}' },
      { credentials: { ...CREDENTIALS, sessionToken: 'session' }, region: regionOf(url) ?? '', date: DATE },
    );

    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20150830\/ap-southeast-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-security-token']).toBe('session');
  });

  it('gives a different signature when the body changes', async () => {
    const sign = (body: string) =>
      signRequest(
        { method: 'POST', url: 'https://x.execute-api.us-east-1.amazonaws.com/ops/replays', body },
        { credentials: CREDENTIALS, region: 'us-east-1', date: DATE },
      );

    expect((await sign('{"a":1}')).authorization).not.toBe((await sign('{"a":2}')).authorization);
  });
});
