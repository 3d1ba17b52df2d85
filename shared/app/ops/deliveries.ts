/** Deliveries across agreements by filter (cursor paging), their attempts, and the replay of one. */
import type { Delivery } from '#domain/delivery.ts';
import { InvalidCursorError, NotFoundError } from '#domain/errors.ts';
import { type DeliveryFilter, PUSHED_CHANNELS } from '#ports/delivery-queries.ts';
import type { DeliveryPage } from '#ports/delivery-store.ts';
import type { Deps } from '../deps.ts';

export type Filter = DeliveryFilter & { agreementId?: string };

/** Where a cross-agreement listing resumes: the agreement (by id) and the cursor inside it. */
interface Position {
  a?: string;
  c?: string;
  /** Offset into an article's deliveries (an article has few, read at once). */
  o?: number;
}

const encode = (p: Position) => Buffer.from(JSON.stringify(p), 'utf8').toString('base64url');
function decode(cursor: string | undefined): Position {
  if (!cursor) return {};
  try {
    const p = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Position;
    if (p && typeof p === 'object') return p;
  } catch {
    // the clear error below
  }
  throw new InvalidCursorError('cursor is not one this API returned');
}

/** A channel id, a kind, or every pushed kind (see DeliveryFilter.channel). */
const channelMatches = (channel: string | undefined, d: Delivery) =>
  !channel ||
  (channel === PUSHED_CHANNELS
    ? d.channelType !== 'feed'
    : d.channelId === channel || d.channelType === channel);

const inRange = (f: Filter, d: Delivery) =>
  (!f.since || d.updatedAt >= new Date(f.since).toISOString()) &&
  (!f.until || d.updatedAt <= new Date(f.until).toISOString());

/** The deliveries of one article matching the rest of the filter, last changed first. */
async function articlePage(deps: Pick<Deps, 'deliveries'>, f: Filter, limit: number, pos: Position) {
  const all = (await deps.deliveries.listByArticle(f.articleId ?? ''))
    .filter(
      (d) =>
        (!f.agreementId || d.agreementId === f.agreementId) &&
        (!f.status || d.status === f.status) &&
        channelMatches(f.channel, d) &&
        inRange(f, d),
    )
    .sort((x, y) => y.updatedAt.localeCompare(x.updatedAt));
  const from = pos.o ?? 0;
  const items = all.slice(from, from + limit);
  return { items, ...(from + limit < all.length && { cursor: encode({ o: from + limit }) }) };
}

/**
 * One page of deliveries matching a filter. With an article: its deliveries (gsi3). With an agreement:
 * that agreement's (gsi2 by status, else gsi1). Otherwise agreement by agreement in id order, newest
 * first within each (agreements are a few hundred at most): the cursor says where to resume.
 */
export async function findDeliveries(
  deps: Pick<Deps, 'agreements' | 'deliveries' | 'deliveryQueries'>,
  filter: Filter,
  page: { limit: number; cursor?: string },
): Promise<DeliveryPage> {
  const pos = decode(page.cursor);
  if (filter.articleId) return articlePage(deps, filter, page.limit, pos);
  const ids = filter.agreementId
    ? [filter.agreementId]
    : (await deps.agreements.list()).map((a) => a.agreementId);
  const { agreementId: _, ...rest } = filter;
  const items: Delivery[] = [];
  let i = pos.a ? ids.indexOf(pos.a) : 0;
  if (i < 0) throw new InvalidCursorError('cursor names an agreement that is gone');
  let inner = pos.c;
  while (i < ids.length && items.length < page.limit) {
    const agreementId = ids[i] ?? '';
    const part = await deps.deliveryQueries.findByAgreement(agreementId, rest, {
      limit: page.limit - items.length,
      ...(inner && { cursor: inner }),
    });
    items.push(...part.items);
    if (part.cursor) {
      inner = part.cursor;
      if (items.length >= page.limit) return { items, cursor: encode({ a: agreementId, c: inner }) };
    } else {
      inner = undefined;
      i++;
    }
  }
  return { items, ...(i < ids.length && { cursor: encode({ a: ids[i] }) }) };
}

/** Every delivery matching the filter, page by page (bulk replay's dry run and its worker). */
export async function countDeliveries(
  deps: Pick<Deps, 'agreements' | 'deliveries' | 'deliveryQueries'>,
  filter: Filter,
) {
  if (filter.articleId) {
    const page = await articlePage(deps, filter, Number.MAX_SAFE_INTEGER, {});
    return page.items.length;
  }
  const ids = filter.agreementId
    ? [filter.agreementId]
    : (await deps.agreements.list()).map((a) => a.agreementId);
  const { agreementId: _, ...rest } = filter;
  const counts = await Promise.all(ids.map((id) => deps.deliveryQueries.countByAgreement(id, rest)));
  return counts.reduce((a, b) => a + b, 0);
}

/** One delivery; NotFoundError when there is none. */
export async function getDelivery(deps: Pick<Deps, 'deliveries'>, id: string): Promise<Delivery> {
  const d = await deps.deliveries.get(id);
  if (!d) throw new NotFoundError(`delivery ${id} not found`);
  return d;
}

/** A delivery's attempts: the item keeps the latest ones; attemptCount counts them all. */
export async function deliveryAttempts(deps: Pick<Deps, 'deliveries'>, deliveryId: string) {
  const d = await getDelivery(deps, deliveryId);
  return {
    deliveryId: d.deliveryId,
    status: d.status,
    attemptCount: d.attemptCount,
    replayCount: d.replayCount,
    items: d.attempts,
  };
}
