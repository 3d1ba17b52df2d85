/**
 * Facts of deliveries still in the table: an agreement's deliveries (gsi1, newest first) joined with
 * the routing record of their article version (topics, language, approval), and routing's decisions
 * not to send. Reports read these for days not yet sealed; the sealer writes them to the ledger.
 */
import type { Delivery } from '#domain/delivery.ts';
import { type DeliveryFact, dayOf, type Fact, type NotSentFact } from '#domain/fact.ts';
import type { DeliveryStore } from '#ports/delivery-store.ts';
import type { RoutingLog, RoutingRecord } from '#ports/routing-log.ts';

/** What live facts are read from: an agreement's deliveries, and routing's records. */
export interface LivePorts {
  deliveries: Pick<DeliveryStore, 'listByAgreement'>;
  routing: Pick<RoutingLog, 'get' | 'listBetween'>;
}

/** Reads routing records once per article version. */
function routingCache(routing: Pick<RoutingLog, 'get'>) {
  const seen = new Map<string, Promise<RoutingRecord | undefined>>();
  return (articleId: string, version: number) => {
    const key = `${articleId}#${version}`;
    const hit = seen.get(key) ?? routing.get(articleId, version);
    seen.set(key, hit);
    return hit;
  };
}

/** When a delivered delivery got there: the feed's entry time, or the attempt that delivered it. */
function deliveredAt(d: Delivery): string | undefined {
  if (d.status !== 'delivered') return undefined;
  if (d.channelType === 'feed') return d.feedAt ?? d.createdAt;
  return d.attempts.findLast((a) => a.outcome === 'delivered')?.at ?? d.updatedAt;
}

/** One delivery item as a fact. */
function factOf(d: Delivery, routing: RoutingRecord | undefined): DeliveryFact {
  const decision = routing?.decisions.find((x) => x.agreementId === d.agreementId);
  const at = deliveredAt(d);
  return {
    type: 'delivery',
    deliveryId: d.deliveryId,
    agreementId: d.agreementId,
    articleId: d.articleId,
    version: d.version,
    kind: d.kind ?? 'publish',
    channelId: d.channelId,
    channelType: d.channelType,
    language: routing?.ready?.language ?? 'und',
    topics: decision?.matchedTopics ?? [],
    status: d.status,
    routedAt: d.createdAt,
    ...(routing?.ready?.packagedAt && { approvedAt: routing.ready.packagedAt }),
    ...(at && { deliveredAt: at }),
    attempts: d.attemptCount,
    ...(d.firstPulledAt && { firstPulledAt: d.firstPulledAt }),
    downloads: d.downloads ?? 0,
  };
}

/** Every delivery fact of the agreement routed within `[from, to]` (days, both included). */
async function liveDeliveryFacts(
  ports: LivePorts,
  agreementId: string,
  from: string,
  to: string,
): Promise<DeliveryFact[]> {
  const routing = routingCache(ports.routing);
  const facts: Promise<DeliveryFact>[] = [];
  let cursor: string | undefined;
  do {
    // Only the period's deliveries are read (the lists' sort key is the creation time).
    const page = await ports.deliveries.listByAgreement(agreementId, {
      limit: 200,
      createdFrom: `${from}T00:00:00.000Z`,
      createdTo: `${to}T23:59:59.999Z`,
      ...(cursor && { cursor }),
    });
    for (const d of page.items) {
      const day = dayOf(d.createdAt);
      // Newest first: past `from`, nothing older can be in the period.
      if (day < from) return Promise.all(facts);
      if (day <= to) facts.push(routing(d.articleId, d.version).then((r) => factOf(d, r)));
    }
    cursor = page.cursor;
  } while (cursor);
  return Promise.all(facts);
}

/** Routing's decisions not to send an article version to the agreement, within `[from, to]`. */
async function liveNotSentFacts(
  ports: Pick<LivePorts, 'routing'>,
  agreementId: string,
  from: string,
  to: string,
): Promise<NotSentFact[]> {
  const out: NotSentFact[] = [];
  let cursor: string | undefined;
  do {
    const page = await ports.routing.listBetween(`${from}T00:00:00.000Z`, `${to}T23:59:59.999Z`, {
      limit: 200,
      ...(cursor && { cursor }),
    });
    for (const r of page.items) {
      const d = r.decisions.find((x) => x.agreementId === agreementId);
      if (!d || d.covered) continue;
      out.push({
        type: 'not-sent',
        agreementId,
        articleId: r.articleId,
        version: r.version,
        language: r.ready?.language ?? 'und',
        topics: r.ready?.topics ?? [],
        routedAt: r.at,
        reason: d.reason,
      });
    }
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** Both kinds of live facts. */
export async function liveFacts(
  ports: LivePorts,
  agreementId: string,
  from: string,
  to: string,
): Promise<Fact[]> {
  const [delivered, notSent] = await Promise.all([
    liveDeliveryFacts(ports, agreementId, from, to),
    liveNotSentFacts(ports, agreementId, from, to),
  ]);
  return [...delivered, ...notSent];
}
