import { describe, expect, it } from 'vitest';
import { costPerMillion, type Measured, type Scenario, secretMissRatio } from '../../bench/cost-model.ts';
import { GB } from '../../bench/prices.ts';

/** 1,000 deliveries of 5 articles, round numbers so that every line can be checked by hand. */
const measured: Measured = {
  deliveries: 1000,
  approvals: 5,
  writeUnits: 4000, // 4 WRU per delivery
  readUnits: 2000, // 2 RRU
  sqsRequests: 100, // 0.1
  batches: 50, // + 2 × 0.05
  eventsPublished: 5,
  lambdaInvocations: 60,
  lambdaGbSeconds: 30, // 0.03 GB-s per delivery
  s3PutRequests: 20,
  s3GetRequests: 50,
  secrets: { shared: 0, perPartner: 1 },
  storedBytes: { table: 1000 * GB * 1e-6, indexes: 0 }, // 1e-6 GB per delivery
  packageBytes: 0,
  factBytesPerDelivery: 0,
  routingBytes: 5 * 8192, // 8 KB a record: 2 read units eventually consistent, 1 RRU
  statusWriteUnits: 1,
};

const scenario: Scenario = {
  partners: 2000,
  deliveriesPerDay: 1_000_000,
  retentionMonths: 3,
  packageRetentionMonths: 60,
  factRetentionMonths: 60,
  containers: 10,
  secretCacheSeconds: 300,
  customerManagedKeys: 1,
  agreements: 2000,
  sealBatch: 50,
  pollingQueues: 0,
  pollersPerQueue: 0,
};

describe('costPerMillion', () => {
  const cost = costPerMillion(measured, scenario);

  it('prices DynamoDB by the units per delivery', () => {
    expect(cost.lines.dynamodbWrites).toBeCloseTo(4 * 0.625, 9); // $2.50
    expect(cost.lines.dynamodbReads).toBeCloseTo(2 * 0.125, 9); // $0.25
  });

  it('prices Lambda by invocations and GB-seconds (arm64)', () => {
    // 0.06 × $0.20 + 0.03 × 1e6 × $0.0000133334
    expect(cost.lines.lambda).toBeCloseTo(0.012 + 0.400002, 6);
  });

  it("counts SQS's receive and delete per batch beside Loa's own requests", () => {
    expect(cost.lines.sqs).toBeCloseTo(0.2 * 0.4, 9);
  });

  it('spreads the monthly fee of 2,000 partner secrets over 30 M deliveries', () => {
    // 2,000 × $0.40 = $800 a month / 30 M deliveries = $26.67 per million
    expect(cost.lines.secretsManagerSecrets).toBeCloseTo(800 / 30, 6);
    expect(cost.basis.secretsStored).toBe(2000);
  });

  it('prices a secret read through the cache: w = 1.736 deliveries per partner per 5 minutes over 10 containers', () => {
    const w = (1_000_000 / 2000) * (300 / 86_400);
    const miss = (10 * (1 - Math.exp(-w / 10))) / w;
    expect(cost.basis.secretMissRatio).toBeCloseTo(miss, 12);
    expect(miss).toBeCloseTo(0.9177, 3);
    expect(cost.lines.secretsManagerCalls).toBeCloseTo(miss * 5, 6); // $5 per million calls
  });

  it('prices storage per month of retention, times the months kept', () => {
    // 1e-6 GB per delivery → 1 GB per million: $0.25 a month in the table, $0.20 of backups
    expect(cost.storagePerMonth.dynamodb).toBeCloseTo(0.25, 9);
    expect(cost.storagePerMonth.pitr).toBeCloseTo(0.2, 9);
    expect(cost.lines.storageDynamodb).toBeCloseTo(0.75, 9);
    expect(cost.lines.storagePitr).toBeCloseTo(0.6, 9);
  });

  it('spreads a KMS key over the month, and the S3 requests and events over the deliveries', () => {
    expect(cost.lines.kms).toBeCloseTo(1 / 30, 9);
    expect(cost.lines.s3Requests).toBeCloseTo(0.02 * 5 + 0.05 * 0.4, 9);
    expect(cost.lines.eventbridge).toBeCloseTo(0.005, 9);
  });

  it('prices the daily sealer: each delivery read back once, each record once per batch of agreements, a day object per agreement', () => {
    // 0.5 RRU (a 1 KB item, eventually consistent) + 1 RRU per record for each of 40 batches of 50
    // agreements, over its 200 deliveries
    expect(cost.basis.sealing.readUnitsPerDelivery).toBeCloseTo(0.5 + 40 / 200, 9);
    // 2,000 agreements × (a PUT and a LIST a day, a month object) and a GET per day, over 30 M deliveries
    const puts = (2000 * 61) / 30e6;
    const gets = (2000 * 31) / 30e6;
    expect(cost.lines.factSealing).toBeCloseTo(0.7 * 0.125 + puts * 5 + gets * 0.4, 9);
  });

  it('adds every line into the total', () => {
    const sum = Object.values(cost.lines).reduce((a, b) => a + b, 0);
    expect(cost.total).toBeCloseTo(sum, 9);
    expect(cost.total).toBeGreaterThan(cost.lines.secretsManagerSecrets);
  });

  it('anchors on API destinations: the event per article, an invocation and a status write per delivery', () => {
    // 0.005 × $1 + $0.20 + 1 × $0.625
    expect(cost.anchor).toBeCloseTo(0.005 + 0.2 + 0.625, 9);
  });

  it('reads the reach from the capture', () => {
    expect(cost.basis.reach).toBe(200);
  });
});

describe('secretMissRatio', () => {
  it('is 1 when a partner gets far less than one delivery per cache period', () => {
    expect(secretMissRatio(0.001, 10)).toBeCloseTo(1, 3);
  });

  it('falls toward containers / w when a partner gets many deliveries per period', () => {
    expect(secretMissRatio(1000, 10)).toBeCloseTo(0.01, 6);
  });
});
