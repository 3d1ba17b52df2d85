/**
 * The one DynamoDB table: key names, index names and the key shapes of each item kind.
 * The layout and its access patterns are documented in docs/data-model.md.
 */
const KEY = { pk: 'pk', sk: 'sk' } as const;

export const INDEX = {
  /** Agreements by status; deliveries of an agreement, newest first. */
  byParent: { name: 'gsi1', pk: 'gsi1pk', sk: 'gsi1sk' },
  /** Deliveries of an agreement by status, most recently changed first. */
  byStatus: { name: 'gsi2', pk: 'gsi2pk', sk: 'gsi2sk' },
  /** Everywhere an article went. */
  byArticle: { name: 'gsi3', pk: 'gsi3pk', sk: 'gsi3sk' },
  /** Sparse: only deliveries still pending or retrying, for recovery and the sweeper. */
  unfinished: { name: 'gsi4', pk: 'gsi4pk', sk: 'gsi4sk' },
  /** Sparse: feed-channel deliveries of an agreement by feed position (see domain/feed.ts). */
  feed: { name: 'gsi5', pk: 'gsi5pk', sk: 'gsi5sk' },
} as const;

/** Attribute DynamoDB's TTL reads (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';

export const keys = {
  agreement: (id: string) => ({ pk: `AGREEMENT#${id}`, sk: 'META' }),
  agreementsWithStatus: (status: string) => `AGREEMENTS#${status}`,
  delivery: (id: string) => ({ pk: `DELIVERY#${id}`, sk: 'META' }),
  deliveriesOf: (agreementId: string) => `AGREEMENT#${agreementId}`,
  deliveriesWithStatus: (agreementId: string, status: string) => `AGREEMENT#${agreementId}#STATUS#${status}`,
  feedOf: (agreementId: string) => `AGREEMENT#${agreementId}#FEED`,
  article: (articleId: string) => `ARTICLE#${articleId}`,
  /** An article's withdrawal marker (ContentWithdrawn): written once, read before any send or route. */
  withdrawal: (articleId: string) => ({ pk: `ARTICLE#${articleId}`, sk: 'WITHDRAWN' }),
  unfinished: 'UNFINISHED',
  rejections: 'REJECTIONS',
  replays: 'REPLAYS',
  /** Routing records by month (gsi1), so a backfill can list what was routed in the last days. */
  routedIn: (month: string) => `ROUTED#${month}`,
  /** An operator job (bulk replay, backfill). */
  job: (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'META' }),
  /** A partner endpoint's circuit, shared by every worker (written only when it opens or closes). */
  circuit: (endpoint: string) => ({ pk: `CIRCUIT#${endpoint}`, sk: 'META' }),
} as const;

/** The CreateTable input both the local runtime and tests use; the CDK stack declares the same. */
export function tableDefinition(tableName: string) {
  const indexes = Object.values(INDEX);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [KEY.pk, KEY.sk, ...indexes.flatMap((i) => [i.pk, i.sk])].map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    KeySchema: [
      { AttributeName: KEY.pk, KeyType: 'HASH' as const },
      { AttributeName: KEY.sk, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: indexes.map((i) => ({
      IndexName: i.name,
      KeySchema: [
        { AttributeName: i.pk, KeyType: 'HASH' as const },
        { AttributeName: i.sk, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}
