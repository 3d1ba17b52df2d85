import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeHttpClient, type Resolve } from '#adapters/channels/node-http-client.ts';
import { TargetRefusedError } from '#domain/target-policy.ts';
import {
  FaultPartner,
  ok,
  refusedUrl,
  reset,
  type Script,
  slow,
  status,
} from '#test/support/fault-partner.ts';

let partner: FaultPartner;
let script: Script = () => ok;
const open = new NodeHttpClient({ allowPrivateTargets: true });
const post = (url: string, timeoutMs = 2_000) =>
  open.post(
    url,
    { 'content-type': 'application/json', 'webhook-id': `msg_${Math.random()}` },
    '{"a":"Hà Giang"}',
    timeoutMs,
  );

beforeAll(async () => {
  partner = await new FaultPartner((req) => script(req)).start();
});
afterAll(async () => {
  open.close();
  await partner?.stop();
});

describe('NodeHttpClient against a partner that misbehaves', () => {
  it('returns the status and headers of an answer, and sends the body as given', async () => {
    script = () => status(503, { 'retry-after': '7' });

    const result = await post(partner.url());

    expect(result).toMatchObject({ kind: 'response', status: 503, headers: { 'retry-after': '7' } });
    expect(partner.requests.at(-1)?.body).toBe('{"a":"Hà Giang"}');
  });

  it('gives up at the timeout on a partner that takes 20 s, without waiting for it', async () => {
    script = () => slow(20_000);

    const result = await post(partner.url(), 200);

    expect(result).toMatchObject({ kind: 'network-error', error: 'timeout' });
    expect(result.durationMs).toBeLessThan(5_000);
  });

  it('reports a connection reset mid-body', async () => {
    script = () => reset;

    const result = await post(partner.url());

    expect(result.kind).toBe('network-error');
    expect(result.kind === 'network-error' && result.error).toMatch(/^ECONNRESET|^EPIPE/);
  });

  it('reports a refused connection', async () => {
    const result = await post(await refusedUrl());

    expect(result).toMatchObject({ kind: 'network-error', error: 'ECONNREFUSED' });
  });

  it('does not follow redirects: a 3xx is the answer', async () => {
    script = () => status(302, { location: 'http://169.254.169.254/' });

    expect(await post(partner.url())).toMatchObject({ kind: 'response', status: 302 });
  });
});

describe('NodeHttpClient with private targets refused', () => {
  const resolvingTo =
    (...addresses: string[]): Resolve =>
    (_host, callback) =>
      callback(
        null,
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      );

  it('refuses a literal private address before connecting', async () => {
    const guarded = new NodeHttpClient({ allowPrivateTargets: false });

    await expect(guarded.post(partner.url(), {}, '{}', 1_000)).rejects.toThrow(TargetRefusedError);
  });

  it('refuses a name that resolves to the metadata address, checking where it connects', async () => {
    const guarded = new NodeHttpClient({
      allowPrivateTargets: false,
      resolve: resolvingTo('169.254.169.254'),
    });

    await expect(guarded.post('http://partner.example/hook', {}, '{}', 1_000)).rejects.toThrow(
      'partner.example resolves to the cloud instance metadata address (169.254.169.254)',
    );
  });

  it('refuses a name with one private address among public ones', async () => {
    const guarded = new NodeHttpClient({
      allowPrivateTargets: false,
      resolve: resolvingTo('203.162.4.190', '10.0.0.7'),
    });

    await expect(guarded.post('http://partner.example/hook', {}, '{}', 1_000)).rejects.toThrow(/10\.0\.0\.7/);
  });

  it('connects to the address it checked', async () => {
    const port = new URL(partner.baseUrl).port;
    const asked: string[] = [];
    const pinned = new NodeHttpClient({
      allowPrivateTargets: true,
      resolve: (host, callback) => {
        asked.push(host);
        callback(null, [{ address: '127.0.0.1', family: 4 }]);
      },
    });
    script = () => ok;

    const result = await pinned.post(`http://partner.example:${port}/hook`, {}, '{}', 1_000);
    pinned.close();

    expect(result).toMatchObject({ kind: 'response', status: 200 });
    expect(asked).toEqual(['partner.example']);
  });
});
