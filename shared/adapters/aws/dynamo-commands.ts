/**
 * What every Dynamo adapter shares: the table it is given, the one way a conditional write reports a
 * refused condition, and reading a query to its last page.
 */
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './dynamo-errors.ts';

/** The one table and the client that reaches it, injected into every Dynamo adapter. */
export interface Table {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** The condition part of a conditional Put. */
export type PutCondition = Pick<
  PutCommandInput,
  'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
>;

/**
 * Sends a conditional write (Put, Update, Delete): true when it was written, false when DynamoDB refused
 * its condition (the item was not as the caller expected). Every other error is re-thrown as it is.
 */
export async function conditionalWrite(send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The query's items, page after page, until the last page or at least `max` items. */
export async function queryAll<T>(
  table: Table,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  map: (item: Record<string, unknown>) => T,
  max = Number.POSITIVE_INFINITY,
): Promise<T[]> {
  const items: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await table.client.send(
      new QueryCommand({ ...input, TableName: table.tableName, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []).map(map));
    start = out.LastEvaluatedKey;
  } while (start && items.length < max);
  return items;
}

/** The Query of one index partition: every item whose `index.pk` is `pk`. */
export function partitionOf(index: { name: string; pk: string }, pk: string) {
  return {
    IndexName: index.name,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': index.pk },
    ExpressionAttributeValues: { ':pk': pk },
  };
}

/** Nothing is stored under the item's key yet: a put creates, never overwrites. */
export const ITEM_ABSENT = 'attribute_not_exists(pk)';

/** The item exists: an update never creates a half item where there was none. */
export const ITEM_EXISTS = 'attribute_exists(pk)';

/** Sorts after every id and suffix in a sort key: `<time>#~` closes a range at the end of `<time>`. */
export const AFTER_ALL = '~';

/** Times compare as strings only in one spelling: the ISO form with milliseconds and `Z`. */
export const iso = (t: string) => new Date(t).toISOString();

/** Items as the document client reads them. */
type Items = NonNullable<QueryCommandOutput['Items']>;

/** The newest `limit` items of a log partition (`pk`, sorted by a time-first `sk`), newest first. */
export async function newestFirst(table: Table, pk: string, limit: number): Promise<Items> {
  const out = await table.client.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return out.Items ?? [];
}

/** Writes a whole item, over whatever was under its key. */
export async function putItem(table: Table, item: Record<string, unknown>): Promise<void> {
  await table.client.send(new PutCommand({ TableName: table.tableName, Item: item }));
}

/** Writes a whole item unless its key is taken; false when it was (a repeat, or a race lost). */
export function putIfAbsent(table: Table, item: Record<string, unknown>): Promise<boolean> {
  return conditionalWrite(() =>
    table.client.send(
      new PutCommand({ TableName: table.tableName, Item: item, ConditionExpression: ITEM_ABSENT }),
    ),
  );
}

/** One item by its key (strongly consistent when asked), or undefined. */
export async function getItem(
  table: Table,
  key: Record<string, string>,
  consistent = false,
): Promise<Record<string, unknown> | undefined> {
  const out = await table.client.send(
    new GetCommand({ TableName: table.tableName, Key: key, ...(consistent && { ConsistentRead: true }) }),
  );
  return out.Item;
}

/** Keys per BatchGetItem, DynamoDB's limit. */
const BATCH_GET_KEYS = 100;
/** Rounds of a BatchGetItem's unprocessed keys before giving up (DynamoDB throttling), with a backoff. */
const BATCH_GET_ROUNDS = 8;

/**
 * The whole table items behind index entries (which carry the table's key), in the entries' order;
 * an item deleted since the index was read (a TTL expiry) is left out. BatchGetItem, 100 keys a
 * request, eventually consistent like the index read before it (strongly consistent when asked, as
 * a consistent GetItem of each would be); unprocessed keys are asked again.
 */
export async function fullItems(
  table: Table,
  entries: readonly Record<string, unknown>[],
  consistent = false,
): Promise<Record<string, unknown>[]> {
  const keyOf = (i: Record<string, unknown>) => `${String(i.pk)}\u0000${String(i.sk)}`;
  const found = new Map<string, Record<string, unknown>>();
  const unique = [...new Map(entries.map((e) => [keyOf(e), { pk: e.pk, sk: e.sk }])).values()];
  for (let i = 0; i < unique.length; i += BATCH_GET_KEYS) {
    let keys: Record<string, unknown>[] = unique.slice(i, i + BATCH_GET_KEYS);
    for (let round = 0; keys.length; round++) {
      if (round === BATCH_GET_ROUNDS) {
        throw new Error(
          `${keys.length} items of ${table.tableName} still unprocessed after ${round} BatchGetItem rounds`,
        );
      }
      if (round) await new Promise((r) => setTimeout(r, 25 * 2 ** round));
      const out = await table.client.send(
        new BatchGetCommand({
          RequestItems: { [table.tableName]: { Keys: keys, ...(consistent && { ConsistentRead: true }) } },
        }),
      );
      for (const item of out.Responses?.[table.tableName] ?? []) found.set(keyOf(item), item);
      keys = out.UnprocessedKeys?.[table.tableName]?.Keys ?? [];
    }
  }
  return entries.flatMap((e): Record<string, unknown>[] => {
    const item = found.get(keyOf(e));
    return item ? [item] : [];
  });
}
