/**
 * The server side of the feeds benchmark, run as a child process so the load generator does not
 * share its event loop: the local runtime (seeded on first start) and, beside it, a bare node:http
 * server. Prints one `READY <json>` line, then serves until SIGTERM.
 */
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dynamoClient } from '#adapters/aws/clients.ts';
import { mintFeedUrl } from '#app/feed-keys.ts';
import { seedDeliveries, seedManifests } from './feeds-seed.ts';
import { createFeedAgreement, startBenchLoa } from './local.ts';

export const AGREEMENTS = {
  page: 'bench-page',
  small: 'bench-history-100',
  large: 'bench-history-100k',
} as const;
const SIZES = { [AGREEMENTS.page]: 50, [AGREEMENTS.small]: 100, [AGREEMENTS.large]: 100_000 };

const env = process.env;
const loa = await startBenchLoa(env.BENCH_DATA_DIR ?? (await mkdtemp(join(tmpdir(), 'loa-bench-server-'))));
const deps = loa.deps;
const seeding: Record<string, { count: number; ms: number }> = {};
if ((await deps.agreements.list()).length === 0) {
  await seedManifests(deps);
  const client = dynamoClient('us-east-1', loa.dynamoEndpoint);
  for (const [agreementId, count] of Object.entries(SIZES)) {
    await createFeedAgreement(deps, agreementId);
    seeding[agreementId] = await seedDeliveries(
      client,
      deps.config.tableName,
      agreementId,
      count,
      new Date(),
    );
  }
  client.destroy();
}

const urls: Record<string, string> = {};
for (const [name, agreementId] of Object.entries(AGREEMENTS)) {
  urls[name] = (await mintFeedUrl(deps, agreementId, { format: 'rss', ttlSeconds: 86_400 })).url;
}

// The bare server answers with the very bytes and headers the feed answered, for 200 and for 304.
const headersOf = (res: Response, names: string[]) =>
  Object.fromEntries(names.filter((h) => res.headers.has(h)).map((h) => [h, res.headers.get(h) ?? '']));
const sample = await fetch(urls.page ?? '');
const body = Buffer.from(await sample.arrayBuffer());
const okHeaders = headersOf(sample, [
  'etag',
  'last-modified',
  'cache-control',
  'content-type',
  'x-content-type-options',
  'link',
]);
const etag = okHeaders.etag ?? '';
const notModified = await fetch(urls.page ?? '', { headers: { 'if-none-match': etag } });
if (notModified.status !== 304) throw new Error(`expected 304 from the feed, got ${notModified.status}`);
const notModifiedHeaders = headersOf(notModified, ['etag', 'last-modified', 'cache-control']);
const bare = createServer((req, res) => {
  // The process's CPU time so far (µs), so the bench can charge each run its CPU per request.
  if (req.url === '/__cpu') {
    const { user, system } = process.cpuUsage();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ us: user + system }));
  } else if (req.headers['if-none-match'] === etag) res.writeHead(304, notModifiedHeaders).end();
  else res.writeHead(200, okHeaders).end(body);
});
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
const barePath = new URL(urls.page ?? '');

console.log(
  `READY ${JSON.stringify({
    urls,
    bareUrl: `http://127.0.0.1:${(bare.address() as AddressInfo).port}${barePath.pathname}${barePath.search}`,
    etag,
    bodyBytes: body.length,
    cpuUrl: `http://127.0.0.1:${(bare.address() as AddressInfo).port}/__cpu`,
    seeding,
  })}`,
);

process.once('SIGTERM', async () => {
  bare.close();
  await loa.stop();
  process.exit(0);
});
