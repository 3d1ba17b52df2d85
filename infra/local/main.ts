import '#infra/quiet-aws-sdk.ts';
import { join, resolve } from 'node:path';
import type { CircuitBreakerPolicy } from '#domain/circuit-breaker.ts';
import type { RetryPolicy } from '#domain/retry-policy.ts';
import {
  DEMO_INGEST_BUCKET,
  DEMO_PARTNERS,
  type DemoFakes,
  reattachDemoPartners,
  runDemo,
  startDemoFakes,
} from './demo.ts';
import { demoPartnerRoutes } from './demo-partners.ts';
import { assertUsableOpsToken, loadOrCreateOpsToken } from './ops-token.ts';
import { keepDataPrivate } from './private-files.ts';
import { type LocalLoa, startLocal } from './runtime.ts';
import { failureLine, replayLine } from './terminal-log.ts';

const env = process.env;
const port = (name: string, fallback: number) => Number(env[name] ?? fallback);

/** A JSON object from the environment (merged over a default by the runtime); names the variable at fault. */
function jsonEnv<T>(name: string): Partial<T> | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Partial<T>;
  } catch (error) {
    throw new Error(`${name} is not JSON: ${(error as Error).message}`);
  }
}

/** The ops token: LOA_OPS_TOKEN (if set at all, it must be usable), or the one kept in the data folder. */
async function opsToken(dataDir: string): Promise<string> {
  if (env.LOA_OPS_TOKEN !== undefined) return assertUsableOpsToken(env.LOA_OPS_TOKEN, 'LOA_OPS_TOKEN');
  return loadOrCreateOpsToken(dataDir);
}

const log = (line: string) => console.log(line);

/** One terminal line per replay the audit log gained since the last look (replays come from the ops API). */
function watchReplays(loa: LocalLoa): () => void {
  const seen = new Set<string>();
  let first = true;
  const look = async () => {
    for (const a of (await loa.deps.replays.list(50)).reverse()) {
      if (seen.has(a.replayId)) continue;
      seen.add(a.replayId);
      if (!first) log(replayLine(a));
    }
    first = false;
  };
  const timer = setInterval(() => void look().catch(() => undefined), 2_000);
  timer.unref();
  void look().catch(() => undefined);
  return () => clearInterval(timer);
}

async function main() {
  const dataDir = resolve(env.LOA_DATA_DIR ?? '.loa');
  await keepDataPrivate(dataDir);
  const demo = env.LOA_DEMO !== '0';
  const token = await opsToken(dataDir);
  const loa = await startLocal({
    dataDir,
    port: port('LOA_PORT', 4010),
    s3Port: port('LOA_S3_PORT', 4569),
    dynamoPort: port('LOA_DYNAMODB_PORT', 4567),
    opsToken: token,
    ...(env.LOA_CMS_ACCESS_KEY_ID && { cmsAccessKeyId: env.LOA_CMS_ACCESS_KEY_ID }),
    ...(env.LOA_PUBLIC_HOST && { publicHost: env.LOA_PUBLIC_HOST }),
    contentBucket: env.LOA_CONTENT_BUCKET ?? 'loa-content',
    ...(env.LOA_SOURCE_BUCKETS && { sourceBuckets: env.LOA_SOURCE_BUCKETS.split(',') }),
    logLevel: (env.LOA_LOG_LEVEL as 'INFO' | undefined) ?? 'WARN',
    retryPolicy: jsonEnv<RetryPolicy>('LOA_RETRY_POLICY'),
    circuitBreaker: jsonEnv<CircuitBreakerPolicy>('LOA_CIRCUIT_BREAKER'),
    // On by default here, where partners (the demo's, the tests') listen on loopback; off on AWS.
    allowPrivateTargets: env.LOA_ALLOW_PRIVATE_TARGETS !== '0',
    extraRoutes: demo
      ? // The runtime's own secret store: one reader and writer of the secrets file.
        demoPartnerRoutes(DEMO_PARTNERS, () => loa.deps.secrets)
      : [],
    onBusEvent: (event) => {
      const line = failureLine(event);
      if (line) log(line);
    },
  });
  log('Loa, local runtime');
  log(`  base URL    ${loa.baseUrl}   (PutEvents and SQS endpoint too)`);
  log(`  S3          ${loa.s3Endpoint}   (content bucket: ${env.LOA_CONTENT_BUCKET ?? 'loa-content'})`);
  log(`  DynamoDB    ${loa.dynamoEndpoint}   (table: loa)`);
  log(`  data        ${dataDir}`);
  // A token Loa made is shown to the operator who started this loopback-only server (it is also in
  // a 0600 file); one supplied through LOA_OPS_TOKEN may be shared elsewhere, so it is never echoed.
  log(
    env.LOA_OPS_TOKEN
      ? '  ops token   from LOA_OPS_TOKEN'
      : `  ops token   ${token}   (kept in ${join(dataDir, 'ops-token')})`,
  );

  let fakes: DemoFakes | undefined;
  if (demo) {
    const first = port('LOA_DEMO_FAKES_PORT', 4580);
    fakes = await startDemoFakes(
      loa,
      { x: first, facebook: first + 1, zalo: first + 2, ingest: first + 3 },
      dataDir,
    );
    const fresh = (await loa.deps.agreements.list()).length === 0;
    if (fresh) await runDemo(loa, fakes, log);
    else await reattachDemoPartners(loa);
    await loa.settled();
    for (const a of await loa.deps.agreements.list()) {
      const { items } = await loa.deps.deliveries.listByAgreement(a.agreementId, { limit: 200 });
      const count = (s: string) => items.filter((d) => d.status === s).length;
      log(
        `  ${a.agreementId}: ${count('delivered')} delivered, ${count('retrying')} retrying, ${count('failed')} failed`,
      );
    }
    log(
      `  partner inboxes: ${DEMO_PARTNERS.map((p) => `${loa.baseUrl}/demo/partners/${p.partnerId}/inbox`).join('  ')}`,
    );
    log(
      `  fakes       X ${fakes.x.baseUrl} (${fakes.x.posts.size} posts)   Facebook ${fakes.facebook.baseUrl} (${fakes.facebook.posts.size})   Zalo ${fakes.zalo.baseUrl} (${fakes.zalo.articles.size})`,
    );
    log(
      `  ingest      radio (HTTP) files in ${join(dataDir, 'demo-ingest')}   TV (S3) s3://${DEMO_INGEST_BUCKET}/loa/ at ${loa.s3Endpoint}`,
    );
  }
  const tokenRef = env.LOA_OPS_TOKEN ? '$LOA_OPS_TOKEN' : `$(cat ${join(dataDir, 'ops-token')})`;
  log(`  try         curl -H "Authorization: Bearer ${tokenRef}" ${loa.baseUrl}/ops/agreements`);
  log(`Loa ready on ${loa.baseUrl} (GET /healthz)`);
  const stopWatching = watchReplays(loa);

  const shutdown = async () => {
    stopWatching();
    await fakes?.close();
    await loa.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error) => {
  console.error(`Loa failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
