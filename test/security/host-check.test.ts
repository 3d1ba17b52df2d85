import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';

/** One raw request with the Host header we choose (fetch would not let us set it). */
function get(base: string, path: string, host: string | undefined): Promise<number> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', setHost: false },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    if (host !== undefined) req.setHeader('host', host);
    req.setHeader('x-amz-target', 'AWSEvents.PutEvents');
    req.setHeader('content-type', 'application/x-amz-json-1.1');
    req.on('error', reject);
    req.end('{"Entries":[]}');
  });
}

// Defect 5: the local server answered any Host, so a DNS-rebinding page reached the bus.
describe('Host check', () => {
  let loa: TestLoa;
  beforeAll(async () => {
    loa = await startTestLoa({ publicHost: 'loa.example.test' });
  });
  afterAll(async () => loa?.close());

  it('answers 421 to a foreign Host, a loopback name on another port and no Host at all', async () => {
    const port = new URL(loa.baseUrl).port;
    for (const host of [
      'attacker.example',
      `attacker.example:${port}`,
      '127.0.0.1:1',
      'localhost',
      undefined,
    ]) {
      expect(await get(loa.baseUrl, '/', host)).toBe(421);
    }
  });

  it('serves its loopback names with its port and the configured public name', async () => {
    const port = new URL(loa.baseUrl).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'loa.example.test']) {
      // 400: the bus itself refuses the empty batch, so the request got past the Host check.
      expect(await get(loa.baseUrl, '/', host)).toBe(400);
    }
  });
});
