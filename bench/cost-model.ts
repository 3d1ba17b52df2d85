/**
 * The dollars of issue #14 goal 2: what a million deliveries cost in a stated scenario, every line
 * item on its own, from what one capture of the local runtime measured (bench/realistic.ts). Pure
 * arithmetic over bench/prices.ts: nothing here measures, so test/bench/cost-model.test.ts checks it
 * by hand. docs/benchmarks.md (section 4) explains each line.
 */
import { GB, PRICES } from './prices.ts';

const usd = PRICES.usd;
export const DAYS_PER_MONTH = 30;

/** The scenario the dollars are for: what is assumed, not measured. */
export interface Scenario {
  /** Partners with an agreement (each with a webhook channel). */
  partners: number;
  deliveriesPerDay: number;
  /** Months a delivery item (and its index copies and backups) is kept. */
  retentionMonths: number;
  /** Months an article's package (manifest, asset copies) is kept in S3. */
  packageRetentionMonths: number;
  /** Months a delivery's fact is kept in the S3 ledger (an agreement's term). */
  factRetentionMonths: number;
  /** deliver-webhook containers at work at once: each one reads a secret once per cache period. */
  containers: number;
  /** How long a container keeps a secret it read (the secret store's cache). */
  secretCacheSeconds: number;
  /** Customer managed KMS keys the stack creates (a monthly fee each). */
  customerManagedKeys: number;
  /** Agreements whose facts the sealer seals each day (one per partner in the scenario). */
  agreements: number;
  /** Agreements the sealer reads a day's routing records once for (app/seal-facts.ts SEAL_BATCH). */
  sealBatch: number;
  /** SQS queues with a Lambda event source mapping, and the pollers each keeps long-polling (20 s) when idle. */
  pollingQueues: number;
  pollersPerQueue: number;
}

/** What one capture measured, as totals over its deliveries (all of one article reach). */
export interface Measured {
  deliveries: number;
  approvals: number;
  /** DynamoDB write request units, indexes included (bench/aws-counter.ts models them). */
  writeUnits: number;
  readUnits: number;
  /** SQS requests Loa's code made (SendMessageBatch…). */
  sqsRequests: number;
  /** deliver-webhook invocations: the event source mapping's receive and delete, one each per batch. */
  batches: number;
  /** Events put on the bus, the CMS's approvals included. */
  eventsPublished: number;
  lambdaInvocations: number;
  /** Each invocation's duration × its function's configured memory. */
  lambdaGbSeconds: number;
  s3PutRequests: number;
  s3GetRequests: number;
  /**
   * The distinct secrets the deliveries read: shared ones (a master key), and per partner (a feed key,
   * a stored signing secret). Each is stored (a monthly fee) and read through each container's cache.
   */
  secrets: { shared: number; perPartner: number };
  /** Bytes DynamoDB bills as stored for every item written: the table's, and the indexes' copies. */
  storedBytes: { table: number; indexes: number };
  /** Bytes the articles' packages (manifest, asset copies) keep in S3. */
  packageBytes: number;
  /** A delivery's fact in the S3 ledger, gzipped, bytes. */
  factBytesPerDelivery: number;
  /** Bytes of the routing records the phase wrote (heads and chunks), all its article versions. */
  routingBytes: number;
  /** Write units of one status write of a delivery item (the anchor's only write). */
  statusWriteUnits: number;
}

/**
 * The share of a partner's deliveries whose read of its secret reaches Secrets Manager, behind each
 * container's cache, for `w` deliveries to that partner per cache period on average.
 */
export function secretMissRatio(w: number, containers: number): number {
  // A partner's deliveries in one cache period: Poisson with mean w, spread evenly over C containers;
  // each container that got at least one calls once: C (1 − e^(−w/C)) calls for w reads.
  if (w <= 0) return 1;
  return (containers * (1 - Math.exp(-w / containers))) / w;
}

export type CostLine =
  | 'dynamodbWrites'
  | 'dynamodbReads'
  | 'lambda'
  | 'sqs'
  | 'eventbridge'
  | 'secretsManagerCalls'
  | 'secretsManagerSecrets'
  | 'kms'
  | 's3Requests'
  | 'factSealing'
  | 'storageDynamodb'
  | 'storagePitr'
  | 'storageS3Packages'
  | 'storageS3Facts';

export interface Cost {
  /** USD per million deliveries, per line. */
  lines: Record<CostLine, number>;
  total: number;
  /** Storage lines for one month of retention (USD per million deliveries per month kept). */
  storagePerMonth: { dynamodb: number; pitr: number; s3Packages: number; s3Facts: number };
  /** EventBridge API destinations plus one status write per delivery, USD per million. */
  anchor: number;
  /** The quantities behind the lines, per delivery unless named otherwise. */
  basis: {
    reach: number;
    deliveriesPerMonth: number;
    secretCallsPerDelivery: number;
    secretMissRatio: number;
    secretsStored: number;
    sqsRequestsPerDelivery: number;
    idlePollsPerMonth: number;
    storedBytesPerDelivery: { table: number; indexes: number };
    packageBytesPerDelivery: number;
    sealing: { readUnitsPerDelivery: number; s3PutPerDelivery: number; s3GetPerDelivery: number };
  };
}

/** Read units of an eventually consistent read of `bytes` (a Query sums its items; 4 KB a unit, halved). */
const eventualReadUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 4096)) * 0.5;

export function costPerMillion(m: Measured, s: Scenario): Cost {
  const D = m.deliveries;
  const perDelivery = (x: number) => x / D;
  const perMonth = s.deliveriesPerDay * DAYS_PER_MONTH;
  /** A fixed monthly amount, spread over the month's deliveries, per delivery. */
  const monthly = (usdPerMonth: number) => usdPerMonth / perMonth;

  // Secrets Manager: a per-partner read is a call unless the container read it within the cache
  // period; a shared secret is read once per container per period.
  const windowsPerMonth = (DAYS_PER_MONTH * 86_400) / s.secretCacheSeconds;
  const perPartnerPerWindow = (s.deliveriesPerDay / s.partners) * (s.secretCacheSeconds / 86_400);
  const miss = secretMissRatio(perPartnerPerWindow, s.containers);
  const sharedCalls = m.secrets.shared * s.containers * windowsPerMonth;
  const secretCalls = m.secrets.perPartner * miss + monthly(sharedCalls);
  const secretsStored = m.secrets.shared + s.partners * m.secrets.perPartner;

  const idlePolls = s.pollingQueues * s.pollersPerQueue * ((DAYS_PER_MONTH * 86_400) / 20);
  const sqsRequests = perDelivery(m.sqsRequests + 2 * m.batches);

  const stored = { table: perDelivery(m.storedBytes.table), indexes: perDelivery(m.storedBytes.indexes) };
  const packageBytes = perDelivery(m.packageBytes);
  const storagePerMonth = {
    dynamodb: ((stored.table + stored.indexes) / GB) * usd.dynamoStorageGbMonth,
    pitr: (stored.table / GB) * usd.dynamoPitrGbMonth,
    s3Packages: (packageBytes / GB) * usd.s3StandardGbMonth,
    s3Facts: (m.factBytesPerDelivery / GB) * usd.s3StandardGbMonth,
  };

  // The daily sealer (docs/reports.md): each delivery read once from its agreement's list (the entry,
  // then the item back), each article version's routing record read once a run for each batch of
  // agreements, and per agreement a day object (PUT, LIST), a month object once a month (PUT, a GET
  // per day).
  const batches = Math.ceil(s.agreements / s.sealBatch);
  const sealing = {
    readUnitsPerDelivery:
      (stored.indexes / 4096) * 0.5 +
      eventualReadUnits(stored.table) +
      (batches * eventualReadUnits(m.routingBytes / m.approvals)) / (D / m.approvals),
    s3PutPerDelivery: monthly(s.agreements * (2 * DAYS_PER_MONTH + 1)),
    s3GetPerDelivery: monthly(s.agreements * (DAYS_PER_MONTH + 1)),
  };

  const lines: Record<CostLine, number> = {
    dynamodbWrites: perDelivery(m.writeUnits) * usd.dynamoWriteRequestUnit,
    dynamodbReads: perDelivery(m.readUnits) * usd.dynamoReadRequestUnit,
    lambda: perDelivery(
      m.lambdaInvocations * usd.lambdaRequest + m.lambdaGbSeconds * usd.lambdaGbSecondArm64,
    ),
    sqs: (sqsRequests + monthly(idlePolls)) * usd.sqsRequest,
    eventbridge: perDelivery(m.eventsPublished) * usd.eventBridgeEvent,
    secretsManagerCalls: secretCalls * usd.secretsManagerCall,
    secretsManagerSecrets: monthly(secretsStored * usd.secretsManagerSecretMonth),
    kms: monthly(s.customerManagedKeys * usd.kmsKeyMonth),
    s3Requests: perDelivery(
      m.s3PutRequests * usd.s3PutClassRequest + m.s3GetRequests * usd.s3GetClassRequest,
    ),
    factSealing:
      sealing.readUnitsPerDelivery * usd.dynamoReadRequestUnit +
      sealing.s3PutPerDelivery * usd.s3PutClassRequest +
      sealing.s3GetPerDelivery * usd.s3GetClassRequest,
    storageDynamodb: storagePerMonth.dynamodb * s.retentionMonths,
    storagePitr: storagePerMonth.pitr * s.retentionMonths,
    storageS3Packages: storagePerMonth.s3Packages * s.packageRetentionMonths,
    storageS3Facts: storagePerMonth.s3Facts * s.factRetentionMonths,
  };
  const million = (x: number) => x * 1e6;
  const linesPerMillion = Object.fromEntries(
    Object.entries(lines).map(([k, v]) => [k, million(v)]),
  ) as Record<CostLine, number>;
  // The anchor: the CMS's event on the bus (one rule per partner matches it), one API destination
  // invocation per delivery, and one status write per delivery; nothing else.
  const anchor = million(
    perDelivery(m.approvals) * usd.eventBridgeEvent +
      usd.eventBridgeApiDestinationInvocation +
      m.statusWriteUnits * usd.dynamoWriteRequestUnit,
  );
  return {
    lines: linesPerMillion,
    total: Object.values(linesPerMillion).reduce((a, b) => a + b, 0),
    storagePerMonth: {
      dynamodb: million(storagePerMonth.dynamodb),
      pitr: million(storagePerMonth.pitr),
      s3Packages: million(storagePerMonth.s3Packages),
      s3Facts: million(storagePerMonth.s3Facts),
    },
    anchor,
    basis: {
      reach: D / m.approvals,
      deliveriesPerMonth: perMonth,
      secretCallsPerDelivery: secretCalls,
      secretMissRatio: miss,
      secretsStored,
      sqsRequestsPerDelivery: sqsRequests,
      idlePollsPerMonth: idlePolls,
      storedBytesPerDelivery: stored,
      packageBytesPerDelivery: packageBytes,
      sealing,
    },
  };
}
