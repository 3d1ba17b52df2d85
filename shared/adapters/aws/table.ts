/**
 * The one DynamoDB table: key names, index names and the key shapes of each item kind.
 * The layout and its access patterns are documented in docs/data-model.md.
 */
export const KEY = { pk: 'pk', sk: 'sk' } as const;

/**
 * The attributes the delivery lists (gsi1, gsi2) carry beside their keys: what the operators' filters,
 * counts and status times read. A status change writes these (one small index write each); the rest of
 * a delivery is read back from the table for the page returned (fullItems in dynamo-commands.ts).
 */
const LIST_ATTRIBUTES = ['status', 'updatedAt', 'channelId', 'channelType', 'articleId'] as const;

/**
 * The global secondary indexes. An index holds a copy of what it projects, and a write of the item
 * writes the index too whenever a projected attribute changes: so only the feed index (read on every
 * poll) projects whole items. The lists project what their queries filter on, agreements' `data`
 * (routing reads every active agreement from gsi1), and the by-article index nothing: what is read
 * through them is read back from the table (docs/data-model.md, "What a delivery costs").
 */
export const INDEX = {
  /** Agreements by status; deliveries of an agreement, newest first; routing records by month. */
  byParent: {
    name: 'gsi1',
    pk: 'gsi1pk',
    sk: 'gsi1sk',
    projection: { type: 'INCLUDE', attributes: [...LIST_ATTRIBUTES, 'data'] },
  },
  /**
   * Sparse: an agreement's listed deliveries that are not through (pending after an attempt, retrying,
   * held, failed), oldest first, by creation: the operators' status lists and the sweeper. Before data
   * model 2 it held every status under `…#STATUS#<status>`; migrated items carry the new key.
   */
  byStatus: {
    name: 'gsi2',
    pk: 'gsi2pk',
    sk: 'gsi2sk',
    projection: { type: 'INCLUDE', attributes: [...LIST_ATTRIBUTES] },
  },
  /** Everywhere an article went: keys only, written once at a delivery's creation. */
  byArticle: { name: 'gsi3', pk: 'gsi3pk', sk: 'gsi3sk', projection: { type: 'KEYS_ONLY' } },
  /** Before data model 2 only: deliveries pending or retrying. No longer written; still read, and removed by every write. */
  unfinished: { name: 'gsi4', pk: 'gsi4pk', sk: 'gsi4sk', projection: { type: 'ALL' } },
  /** Sparse: feed-channel deliveries of an agreement by feed position (see domain/feed.ts). */
  feed: { name: 'gsi5', pk: 'gsi5pk', sk: 'gsi5sk', projection: { type: 'ALL' } },
} as const satisfies Record<string, IndexShape>;

/** What an index projects beside the table's and its own keys. */
export type Projection = { type: 'ALL' | 'KEYS_ONLY' } | { type: 'INCLUDE'; attributes: readonly string[] };

export interface IndexShape {
  name: string;
  pk: string;
  sk: string;
  projection: Projection;
}

/** True when a read of `index` returns whole items; otherwise they are read back from the table. */
export const projectsAll = (index: { projection: Projection }) => index.projection.type === 'ALL';

/**
 * Index partitions a fan-out key is spread over. DynamoDB takes about 1,000 writes/s per partition key
 * of an index; one article routed to thousands of agreements writes a delivery per agreement × channel
 * within seconds, all under the same article key and the same unfinished key. Sixteen shards take
 * sixteen times that; readers query every shard (and the unsharded key items written before kept).
 */
export const SHARDS = 16;

/** A key's shard, 0..SHARDS-1: FNV-1a of what names it, so every write of one delivery lands on one shard. */
export function shardOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % SHARDS;
}

/** Every shard of a sharded index key, then the unsharded key items written before sharding still carry. */
const shardsOf = (unsharded: string) => [
  ...Array.from({ length: SHARDS }, (_, n) => `${unsharded}#${n}`),
  unsharded,
];

/** Attribute DynamoDB's TTL reads (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';

export const keys = {
  agreement: (id: string) => ({ pk: `AGREEMENT#${id}`, sk: 'META' }),
  agreementsWithStatus: (status: string) => `AGREEMENTS#${status}`,
  delivery: (id: string) => ({ pk: `DELIVERY#${id}`, sk: 'META' }),
  deliveriesOf: (agreementId: string) => `AGREEMENT#${agreementId}`,
  deliveriesWithStatus: (agreementId: string, status: string) => `AGREEMENT#${agreementId}#STATUS#${status}`,
  /** An agreement's listed deliveries that are not through (gsi2, data model 2). */
  openOf: (agreementId: string) => `AGREEMENT#${agreementId}#OPEN`,
  feedOf: (agreementId: string) => `AGREEMENT#${agreementId}#FEED`,
  article: (articleId: string) => `ARTICLE#${articleId}`,
  /** An article's withdrawal marker (ContentWithdrawn): written once, read before any send or route. */
  withdrawal: (articleId: string) => ({ pk: `ARTICLE#${articleId}`, sk: 'WITHDRAWN' }),
  /** A pending or retrying delivery's unfinished-index key (gsi4), sharded by delivery id. */
  unfinished: (deliveryId: string) => `UNFINISHED#${shardOf(deliveryId)}`,
  /** The unfinished index's partition keys: every shard, then `UNFINISHED` (before sharding). */
  unfinishedShards: () => shardsOf('UNFINISHED'),
  /**
   * A delivery's key on the by-article index (gsi3), sharded by its agreement × channel: a fan-out's
   * writes spread over the shards, and every version of the article on one channel (publishes and
   * takedowns) shares one shard, which the send-time check of a newer version reads alone.
   */
  deliveriesOfArticle: (articleId: string, agreementId: string, channelId: string) =>
    `ARTICLE#${articleId}#${shardOf(`${agreementId}#${channelId}`)}`,
  /** The by-article index's partition keys of an article: every shard, then `ARTICLE#<id>` (before sharding). */
  deliveriesOfArticleShards: (articleId: string) => shardsOf(`ARTICLE#${articleId}`),
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
      Projection: projectionOf(i.projection),
    })),
  };
}

/** An index's projection as CreateTable (and CloudFormation) spell it. */
function projectionOf(p: Projection) {
  return p.type === 'INCLUDE'
    ? { ProjectionType: p.type, NonKeyAttributes: [...p.attributes] }
    : { ProjectionType: p.type };
}
