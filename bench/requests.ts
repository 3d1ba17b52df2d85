/**
 * AWS requests per delivery and dollars per million deliveries, from the counted round of the
 * fan-out (run alone, it runs that round itself). Counted: every SDK request the handlers make
 * (DynamoDB with its consumed capacity, S3, SQS, EventBridge), Lambda invocations and their
 * durations, secret reads. Modelled on top, because the local runtime has no such client: what the
 * Lambda event source mapping asks of SQS, Secrets Manager behind its 5-minute cache, and the write
 * units DynamoDB bills for the global secondary indexes. Prices: bench/prices.ts.
 */
import { MASTER_SIGNING_KEY_REF } from '#domain/signing-keys.ts';
import { FUNCTIONS, type FunctionName } from '#infra/wiring.ts';
import { type CallStats, DYNAMO_WRITES } from './aws-counter.ts';
import { captureRequests, type FanoutCapture } from './fanout.ts';
import { type Figure, figure, type PartResult, round, sig } from './figure.ts';
import { PRICES, S3_PUT_CLASS } from './prices.ts';

const usd = PRICES.usd;

const sum = (calls: Record<string, CallStats>, pick: (key: string) => boolean, f: (s: CallStats) => number) =>
  Object.entries(calls)
    .filter(([k]) => pick(k))
    .reduce((n, [, s]) => n + f(s), 0);

const serviceOf = (key: string) => key.split(':')[0] ?? '';
const commandOf = (key: string) => key.split(':')[1] ?? '';

/** Everything the model derives from one capture, per delivery unless named otherwise. */
export function model(c: FanoutCapture) {
  const D = c.deliveries;
  const calls = c.calls;
  const count = (pick: (k: string) => boolean) => sum(calls, pick, (s) => s.count);
  const isDynamoWrite = (k: string) =>
    serviceOf(k) === 'dynamo' && DYNAMO_WRITES.has(`${commandOf(k)}Command`);
  const isDynamoRead = (k: string) => serviceOf(k) === 'dynamo' && !isDynamoWrite(k);

  const sdk = {
    dynamoWrites: count(isDynamoWrite),
    dynamoReads: count(isDynamoRead),
    s3: count((k) => serviceOf(k) === 's3'),
    sqs: count((k) => serviceOf(k) === 'sqs'),
    events: count((k) => serviceOf(k) === 'events'),
  };
  const sdkTotal = Object.values(sdk).reduce((a, b) => a + b, 0);
  const writeUnitsTable = sum(calls, isDynamoWrite, (s) => s.capacityReported);
  const writeUnits = sum(calls, isDynamoWrite, (s) => s.writeUnitsModelled);
  const readUnits = sum(calls, isDynamoRead, (s) => s.capacityReported);
  const s3Put = count((k) => serviceOf(k) === 's3' && S3_PUT_CLASS.has(commandOf(k)));
  const s3Get = sdk.s3 - s3Put;
  const eventsPublished =
    sum(
      calls,
      (k) => k === 'events:PutEvents',
      (s) => s.entries,
    ) + c.cmsEvents;

  const inv = c.invocations;
  const invocations = Object.values(inv).reduce((n, i) => n + i.count, 0);
  const gb = (fn: string) => (FUNCTIONS[fn as FunctionName]?.memoryMb ?? 0) / 1024;
  // As measured in the burst: 50 packagings and routings at once on two cores, each one slowed by all.
  const gbSecondsBurst = Object.entries(inv).reduce((n, [fn, i]) => n + (i.ms / 1000) * gb(fn), 0);
  // Billed: each invocation's duration when it runs alone (as in a Lambda container of its own),
  // times the burst's number of invocations.
  const gbSeconds = Object.entries(inv).reduce((n, [fn, i]) => {
    const alone = c.unloaded[fn];
    const msEach = alone?.count ? alone.ms / alone.count : i.ms / i.count;
    return n + ((i.count * msEach) / 1000) * gb(fn);
  }, 0);
  // The event source mapping: one ReceiveMessage that returned the batch, one DeleteMessageBatch after it.
  const batches = inv['deliver-webhook']?.count ?? 0;
  const sqsRequests = sdk.sqs + 2 * batches;
  // Secrets Manager behind the store's 5-minute cache: each container reads each secret once; as many
  // containers as batches ran at once. (Locally the store is a file and is read every time.)
  const secretsManagerCalls = c.distinctSecrets * c.concurrency;

  const dollars = {
    dynamodb: writeUnits * usd.dynamoWriteRequestUnit + readUnits * usd.dynamoReadRequestUnit,
    lambda: invocations * usd.lambdaRequest + gbSeconds * usd.lambdaGbSecondArm64,
    eventbridge: eventsPublished * usd.eventBridgeEvent,
    sqs: sqsRequests * usd.sqsRequest,
    s3: s3Put * usd.s3PutClassRequest + s3Get * usd.s3GetClassRequest,
    secretsManager: secretsManagerCalls * usd.secretsManagerCall,
  };
  const total = Object.values(dollars).reduce((a, b) => a + b, 0);
  const perMillion = (x: number) => (x / D) * 1e6;
  // EventBridge API destinations doing the same deliveries: the events that trigger them (one per
  // approval, matched by one rule per partner) and one invocation per delivery.
  const apiDestinations = c.cmsEvents * usd.eventBridgeEvent + D * usd.eventBridgeApiDestinationInvocation;

  return {
    perDelivery: {
      sdk: Object.fromEntries(Object.entries(sdk).map(([k, v]) => [k, v / D])),
      sdkTotal: sdkTotal / D,
      writeUnits: writeUnits / D,
      writeUnitsTable: writeUnitsTable / D,
      readUnits: readUnits / D,
      eventsPublished: eventsPublished / D,
      sqsRequests: sqsRequests / D,
      invocations: invocations / D,
      gbSeconds: gbSeconds / D,
      gbSecondsBurst: gbSecondsBurst / D,
      msPerInvocation: Object.fromEntries(
        Object.entries(inv).map(([fn, i]) => [
          fn,
          {
            burst: round(i.ms / i.count, 1),
            alone: c.unloaded[fn]?.count
              ? round((c.unloaded[fn]?.ms ?? 0) / (c.unloaded[fn]?.count ?? 1), 1)
              : null,
          },
        ]),
      ),
      secretsManagerCalls: secretsManagerCalls / D,
      secretReadsLocal: c.secretReads / D,
      billedRequests:
        (sdk.dynamoWrites +
          sdk.dynamoReads +
          sdk.s3 +
          sqsRequests +
          sdk.events +
          invocations +
          secretsManagerCalls) /
        D,
    },
    usdPerMillion: Object.fromEntries(Object.entries(dollars).map(([k, v]) => [k, perMillion(v)])) as Record<
      keyof typeof dollars,
      number
    >,
    totalPerMillion: perMillion(total),
    apiDestinationsPerMillion: perMillion(apiDestinations),
  };
}

/** A stored per-channel signing secret (webhook or broadcast), as every channel had before derived keys. */
const STORED_SIGNING_SECRET = /\/channels\/[^/]+\/(webhook|signing)-secret$/;

/**
 * Secrets Manager's monthly fee (per secret stored) at a scale of `partners` webhook partners, from the
 * secrets the fan-out read: the shared ones (the master signing key) once, the per-partner ones (the
 * feed key that signs asset links, any stored signing secret) per partner. `before` adds the signing
 * secret each partner's channel had of its own before derived keys. Social channels add one each.
 */
export function secretFees(c: Pick<FanoutCapture, 'secretRefs' | 'agreements'>, partners: number) {
  const shared = c.secretRefs.filter((r) => r === MASTER_SIGNING_KEY_REF).length;
  const perPartner = (c.secretRefs.length - shared) / c.agreements;
  const signingPerPartner = c.secretRefs.filter((r) => STORED_SIGNING_SECRET.test(r)).length / c.agreements;
  const secrets = shared + partners * perPartner;
  const secretsBefore = partners * (perPartner - signingPerPartner + 1);
  const fee = usd.secretsManagerSecretMonth;
  return {
    shared,
    perPartner,
    signingPerPartner,
    secrets,
    usdPerMonth: secrets * fee,
    secretsBefore,
    usdPerMonthBefore: secretsBefore * fee,
  };
}

export async function run(): Promise<PartResult> {
  const c = await captureRequests();
  const m = model(c);
  const p = m.perDelivery;
  const fees2000 = secretFees(c, 2000);
  const per = 'per delivery';
  const figures: Figure[] = [
    figure({
      name: 'DynamoDB write requests per delivery',
      value: round(p.sdk.dynamoWrites ?? 0, 3),
      unit: per,
      goal: { on: 'value', op: '<=', target: 2 },
      note: 'create + outcome per delivery, plus the routing record (one per article version)',
    }),
    figure({
      name: 'AWS SDK requests per delivery',
      value: round(p.sdkTotal, 3),
      unit: per,
      goal: { on: 'value', op: '<=', target: 4 },
      note: `DynamoDB ${round(p.sdk.dynamoWrites ?? 0, 2)} writes + ${round(p.sdk.dynamoReads ?? 0, 2)} reads, S3 ${round(p.sdk.s3 ?? 0, 3)}, SQS ${round(p.sdk.sqs ?? 0, 3)}, EventBridge ${round(p.sdk.events ?? 0, 3)}`,
    }),
    figure({
      name: 'billed AWS requests per delivery, all',
      value: round(p.billedRequests, 3),
      unit: per,
      note: 'SDK requests + SQS receive/delete by the event source mapping + Lambda invocations + Secrets Manager reads (modelled)',
    }),
    figure({
      name: 'DynamoDB write units per delivery (with indexes)',
      value: round(p.writeUnits, 2),
      unit: 'WRU',
      baseline: round(p.writeUnitsTable, 2),
      baselineName: 'table only, as dynalite reports',
      note: 'modelled from the items written: every GSI (all project ALL) costs a write per item it holds; a moved index key costs two',
    }),
    figure({ name: 'DynamoDB read units per delivery', value: round(p.readUnits, 2), unit: 'RRU' }),
    figure({
      name: 'Lambda GB-seconds per delivery',
      value: sig(p.gbSeconds, 3),
      unit: 'GB-s',
      baseline: sig(p.gbSecondsBurst, 3),
      baselineName: 'durations as measured in the burst',
      note: `handler durations measured in the local runtime × configured memory (wiring.ts), ms per invocation alone/burst: ${Object.entries(
        p.msPerInvocation,
      )
        .map(([fn, t]) => `${fn} ${t.alone}/${t.burst}`)
        .join(', ')}`,
    }),
    figure({
      name: 'cost per million deliveries',
      value: round(m.totalPerMillion, 2),
      unit: 'USD',
      baseline: round(m.apiDestinationsPerMillion, 2),
      baselineName: 'EventBridge API destinations',
      note: `list prices ${PRICES.region} as known on ${PRICES.asKnownOn} (bench/prices.ts); API destinations have no delivery table, no per-partner replay, no Standard Webhooks signature`,
    }),
    ...Object.entries(m.usdPerMillion).map(([service, v]) =>
      figure({ name: `  of which ${service}`, value: round(v, 3), unit: 'USD per million' }),
    ),
    figure({
      name: 'signing secrets stored per webhook partner',
      value: round(fees2000.signingPerPartner, 3),
      unit: 'secrets',
      goal: { on: 'value', op: '<=', target: 0 },
      note: `read by the fan-out's webhook deliveries: ${c.secretRefs.length} distinct secrets for ${c.agreements} partners (the master signing key once, then per partner its feed key for asset links); before: one signing secret per channel more`,
    }),
    ...[2000, 50].map((partners) => {
      const f = secretFees(c, partners);
      return figure({
        name: `Secrets Manager monthly fee, ${partners.toLocaleString('en')} partners`,
        value: round(f.usdPerMonth, 2),
        unit: 'USD per month',
        note: `${f.shared} master key + ${round(f.perPartner, 2)} per partner (feed key) = ${round(f.secrets)} secrets × $${usd.secretsManagerSecretMonth}; one signing secret per partner as before: ${round(f.secretsBefore)} secrets, $${round(f.usdPerMonthBefore, 2)}; at 1 M deliveries a day $${round(f.usdPerMonth / 30, 2)} per million (not in the cost per million above); a social channel adds one secret`,
      });
    }),
  ];
  return {
    figures,
    detail: {
      capture: c,
      perDelivery: m.perDelivery,
      usdPerMillion: m.usdPerMillion,
      totalPerMillion: m.totalPerMillion,
      apiDestinationsPerMillion: m.apiDestinationsPerMillion,
      prices: PRICES,
    },
  };
}
