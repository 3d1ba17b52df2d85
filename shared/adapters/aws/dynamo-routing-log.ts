import { gunzipSync, gzipSync } from 'node:zlib';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RoutingLog, RoutingPage, RoutingRecord } from '#ports/routing-log.ts';
import {
  AFTER_ALL,
  conditionalWrite,
  ITEM_EXISTS,
  iso,
  putItem,
  queryAll,
  type Table,
} from './dynamo-commands.ts';
import { decodeCursor, encodeCursor, resumingFrom } from './dynamo-errors.ts';
import { INDEX, keys } from './table.ts';

/** A routing record's sort key beside its article: `ROUTE#<version, zero-padded>`. */
const routingSortKey = (version: number) => `ROUTE#${String(version).padStart(8, '0')}`;

/** The sort key of a record's `n`th chunk of decisions: `ROUTE#<version>#chunk#<n, zero-padded>`. */
const chunkSortKey = (version: number, n: number) =>
  `${routingSortKey(version)}#chunk#${String(n).padStart(4, '0')}`;

/** Decisions per chunk at most (before the size rules below): about 250 KB of JSON, ~7 KB gzipped. */
export const DECISIONS_PER_CHUNK = 2_000;
/** Bytes of decisions as JSON per chunk at most, so no single gzip runs over a huge buffer. */
const CHUNK_JSON_BYTES = 256 * 1024;
/** Bytes of gzipped decisions per item at most: with keys and the head's other attributes, under 48 KB. */
export const CHUNK_GZ_BYTES = 40_000;
/** Bytes an item may take in all (issue #14: none over 64 KB, with room to spare). */
export const ITEM_BYTES = 48_000;

type Decision = RoutingRecord['decisions'][number];

/** Decisions as stored: their JSON, gzipped (binary attribute `decisionsGz`). */
export const gzipDecisions = (decisions: readonly Decision[]): Buffer =>
  gzipSync(Buffer.from(JSON.stringify(decisions), 'utf8'));

/** A chunk of decisions and its gzipped form. */
export interface PackedChunk {
  decisions: Decision[];
  gz: Buffer;
}

/** The decisions in order, cut into runs of at most DECISIONS_PER_CHUNK and about CHUNK_JSON_BYTES each. */
export function chunkDecisions(decisions: readonly Decision[]): Decision[][] {
  const chunks: Decision[][] = [];
  let current: Decision[] = [];
  let bytes = 0;
  for (const d of decisions) {
    const size = Buffer.byteLength(JSON.stringify(d));
    if (current.length && (current.length >= DECISIONS_PER_CHUNK || bytes + size > CHUNK_JSON_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(d);
    bytes += size;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/**
 * A run of decisions gzipped, halved until each half's gzip is at most CHUNK_GZ_BYTES (decisions that
 * compress badly: random ids, long free-text reasons). One decision is never split.
 */
function pack(decisions: Decision[]): PackedChunk[] {
  const gz = gzipDecisions(decisions);
  if (gz.length <= CHUNK_GZ_BYTES || decisions.length < 2) return [{ decisions, gz }];
  const half = Math.ceil(decisions.length / 2);
  return [...pack(decisions.slice(0, half)), ...pack(decisions.slice(half))];
}

/** The decisions in order as gzipped chunks, each at most CHUNK_GZ_BYTES (unless one decision alone is more). */
export const packDecisions = (decisions: readonly Decision[]): PackedChunk[] =>
  chunkDecisions(decisions).flatMap(pack);

/** The decisions of a head or chunk item: gzipped (`decisionsGz`), or a plain list as written before. */
function decisionsOf(item: Record<string, unknown>): Decision[] | undefined {
  const gz = item.decisionsGz;
  // lib-dynamodb reads a binary attribute back as a Uint8Array.
  if (gz instanceof Uint8Array) return JSON.parse(gunzipSync(gz).toString('utf8')) as Decision[];
  return item.decisions as Decision[] | undefined;
}

/** The gsi1 keys that put a routing record on the by-time list of its month. */
function routedIndexKeys(r: Pick<RoutingRecord, 'at' | 'articleId' | 'version'>) {
  return {
    [INDEX.byParent.pk]: keys.routedIn(r.at.slice(0, 7)),
    [INDEX.byParent.sk]: `${r.at}#${r.articleId}#${String(r.version).padStart(8, '0')}`,
  };
}

/**
 * A head item as stored: decisions inline (`decisionsGz`, or a plain `decisions` list written before
 * gzip or chunking), or a chunk count.
 */
type Head = Omit<RoutingRecord, 'decisions'> & { chunks?: number };

/**
 * A record from its head item and its chunk items (any order; chunks past the head's count, left by
 * an earlier write of the same version with more agreements, are ignored).
 */
function toRouting(head: Record<string, unknown>, chunks: Record<string, unknown>[] = []): RoutingRecord {
  const { articleId, version, at, chunks: count = 0, ready } = head as unknown as Head;
  const chunked = Array.from({ length: count }, (_, n) => {
    const chunk = chunks.find((c) => c.sk === chunkSortKey(version, n));
    const decisions = chunk && decisionsOf(chunk);
    if (!decisions) throw new Error(`routing record ${articleId} v${version} is missing decision chunk ${n}`);
    return decisions;
  });
  const decisions = decisionsOf(head) ?? chunked.flat();
  return { articleId, version, at, decisions, ...(ready && { ready }) };
}

const isChunk = (item: Record<string, unknown>) => String(item.sk).includes('#chunk#');

/** Months `YYYY-MM` from `to` back to `from`. */
function monthsBack(from: string, to: string): string[] {
  const months: string[] = [];
  const d = new Date(`${to.slice(0, 7)}-01T00:00:00Z`);
  while (d.toISOString().slice(0, 7) >= from.slice(0, 7)) {
    months.push(d.toISOString().slice(0, 7));
    d.setUTCMonth(d.getUTCMonth() - 1);
  }
  return months;
}

/**
 * Routing records beside their article (`ARTICLE#<id>` / `ROUTE#<version>`), and by month on gsi1.
 * Decisions are stored gzipped (`decisionsGz`, binary): their JSON repeats the same keys, reasons and
 * id prefixes, so 2,000 of them shrink ~40x, and a record costs a few write units, not one per delivery.
 * A record whose gzipped decisions fit beside the head's other attributes in ITEM_BYTES is one item;
 * a larger one is a head item plus its decisions in chunk items `ROUTE#<version>#chunk#<n>`, each at
 * most CHUNK_GZ_BYTES gzipped, written first, so a head is never read without them.
 */
export class DynamoRoutingLog implements RoutingLog {
  constructor(private readonly table: Table) {}

  async record(record: RoutingRecord): Promise<void> {
    const { decisions, ...rest } = record;
    const pk = keys.article(record.articleId);
    const head = {
      pk,
      sk: routingSortKey(record.version),
      entity: 'routing',
      ...rest,
      // Not through until markThrough: a run killed outright leaves this for its retry to find.
      failedAt: record.at,
      // Listed by time too (gsi1, one partition per month), for backfills.
      ...routedIndexKeys(record),
    };
    const chunks = packDecisions(decisions);
    const only = chunks.length <= 1 ? (chunks[0]?.gz ?? gzipDecisions([])) : undefined;
    if (only && only.length + Buffer.byteLength(JSON.stringify(head)) <= ITEM_BYTES) {
      await putItem(this.table, { ...head, decisionsGz: only });
      return;
    }
    await Promise.all(
      chunks.map((chunk, n) =>
        putItem(this.table, {
          pk,
          sk: chunkSortKey(record.version, n),
          entity: 'routing-chunk',
          decisionsGz: chunk.gz,
        }),
      ),
    );
    await putItem(this.table, { ...head, chunks: chunks.length });
  }

  /** Removes `failedAt` from the version's head item: the run that recorded it is through. */
  markThrough(articleId: string, version: number): Promise<void> {
    return this.setMark(articleId, version, undefined);
  }

  /** Sets `failedAt` on the version's head item, if there is one (record() writes the head anew, with it). */
  markFailed(articleId: string, version: number, at: string): Promise<void> {
    return this.setMark(articleId, version, at);
  }

  /** `failedAt` on the version's head item set to `at`, or removed; nothing when there is no head. */
  private async setMark(articleId: string, version: number, at: string | undefined): Promise<void> {
    await conditionalWrite(() =>
      this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: { pk: keys.article(articleId), sk: routingSortKey(version) },
          UpdateExpression: at ? 'SET failedAt = :at' : 'REMOVE failedAt',
          ConditionExpression: ITEM_EXISTS,
          ...(at && { ExpressionAttributeValues: { ':at': at } }),
        }),
      ),
    );
  }

  /**
   * The newest version of the article recorded, 0 when none: one Query, newest key first, one item (a
   * head or its last chunk: both keys start with the version's).
   */
  async newestVersion(articleId: string): Promise<number> {
    const out = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :route)',
        ExpressionAttributeValues: { ':pk': keys.article(articleId), ':route': 'ROUTE#' },
        ProjectionExpression: 'sk',
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const version = /^ROUTE#(\d{8})/.exec(String(out.Items?.[0]?.sk ?? ''))?.[1];
    return version ? Number(version) : 0;
  }

  /** One GetItem of the head, its key and `failedAt` (strongly consistent: a failed run wrote it just before). */
  async routedBefore(articleId: string, version: number): Promise<{ failedAt?: string } | undefined> {
    const out = await this.table.client.send(
      new GetCommand({
        TableName: this.table.tableName,
        Key: { pk: keys.article(articleId), sk: routingSortKey(version) },
        ProjectionExpression: 'sk, failedAt',
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return undefined;
    const at = out.Item.failedAt;
    return typeof at === 'string' ? { failedAt: at } : {};
  }

  /** The head and chunks of one version: one Query (a page per MB). */
  async get(articleId: string, version: number): Promise<RoutingRecord | undefined> {
    const items = await this.versionItems(articleId, version);
    const head = items.find((i) => !isChunk(i));
    return head ? toRouting(head, items) : undefined;
  }

  /** Every routed version of an article, newest first. */
  async list(articleId: string): Promise<RoutingRecord[]> {
    const items = await queryAll(
      this.table,
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :route)',
        ExpressionAttributeValues: { ':pk': keys.article(articleId), ':route': 'ROUTE#' },
        ScanIndexForward: false,
      },
      (item) => item,
    );
    const chunks = items.filter(isChunk);
    return items
      .filter((i) => !isChunk(i))
      .map((head) =>
        toRouting(
          head,
          chunks.filter((c) => String(c.sk).startsWith(`${head.sk}#`)),
        ),
      );
  }

  /** A version's head item and chunk items (the head's key is a prefix of its chunks'). */
  private versionItems(articleId: string, version: number): Promise<Record<string, unknown>[]> {
    return queryAll(
      this.table,
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :route)',
        ExpressionAttributeValues: { ':pk': keys.article(articleId), ':route': routingSortKey(version) },
        // A route repeated seconds after the first reads what that one named (routePackage).
        ConsistentRead: true,
      },
      (item) => item,
    );
  }

  /**
   * The record behind a head's entry on gsi1, which carries its keys only: the head and its chunks read
   * back from the table (one Query).
   */
  private async whole(entry: Record<string, unknown>): Promise<RoutingRecord | undefined> {
    const items = await queryAll(
      this.table,
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :head)',
        ExpressionAttributeValues: { ':pk': entry.pk, ':head': entry.sk },
      },
      (item) => item,
    );
    const head = items.find((i) => i.sk === entry.sk);
    return head ? toRouting(head, items) : undefined;
  }

  /** Routing records made between two times, newest first; the cursor names the month and the key in it. */
  async listBetween(
    from: string,
    to: string,
    page: { limit: number; cursor?: string },
  ): Promise<RoutingPage> {
    const lo = iso(from);
    const hi = iso(to);
    const months = monthsBack(lo, hi);
    const resume = decodeCursor(page.cursor) as { m?: string; k?: Record<string, unknown> } | undefined;
    let i = resume?.m ? Math.max(0, months.indexOf(resume.m)) : 0;
    let start = resume?.k;
    const items: RoutingRecord[] = [];
    while (i < months.length && items.length < page.limit) {
      const month = months[i] ?? '';
      const from = start;
      const out = await resumingFrom(page.cursor, () =>
        this.table.client.send(
          new QueryCommand({
            TableName: this.table.tableName,
            IndexName: INDEX.byParent.name,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
            ExpressionAttributeNames: { '#pk': INDEX.byParent.pk, '#sk': INDEX.byParent.sk },
            ExpressionAttributeValues: {
              ':pk': keys.routedIn(month),
              ':lo': lo,
              ':hi': `${hi}#${AFTER_ALL}`,
            },
            ScanIndexForward: false,
            Limit: page.limit - items.length,
            ExclusiveStartKey: from,
          }),
        ),
      );
      const records = await Promise.all((out.Items ?? []).map((entry) => this.whole(entry)));
      items.push(...records.filter((r) => r !== undefined));
      start = out.LastEvaluatedKey;
      if (!start) i++;
    }
    const more = i < months.length;
    const cursor = more ? encodeCursor({ m: months[i], ...(start && { k: start }) }) : undefined;
    return { items, ...(cursor && { cursor }) };
  }
}
