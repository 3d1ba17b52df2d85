/**
 * Facts of deliveries still in the table: an agreement's deliveries (gsi1, newest first) joined with
 * the routing record of their article version (topics, language, approval), and routing's decisions
 * not to send. Reports read these for days not yet sealed; the sealer writes them to the ledger.
 */
import type { Delivery } from '#domain/delivery.ts';
import {
  COUNTED_NOT_SENT_REASONS,
  type DeliveryFact,
  dayOf,
  type Fact,
  type NotSentFact,
} from '#domain/fact.ts';
import type { DeliveryStore } from '#ports/delivery-store.ts';
import type { RoutingLog, RoutingRecord } from '#ports/routing-log.ts';

/** What live facts are read from: an agreement's deliveries, and routing's records. */
export interface LivePorts {
  deliveries: Pick<DeliveryStore, 'listByAgreement'>;
  routing: Pick<RoutingLog, 'get' | 'listBetween'>;
}

/** What a delivery's fact takes from the routing record of its article version. */
interface Routed {
  language?: string;
  packagedAt?: string;
  /** The topics the article shares with the agreement (the agreement's decision). */
  topics: string[];
}

/** What every agreement's delivery fact takes from a record alike: its language and packaging time. */
const versionPart = (r: RoutingRecord | undefined): Omit<Routed, 'topics'> => ({
  ...(r?.ready?.language && { language: r.ready.language }),
  ...(r?.ready?.packagedAt && { packagedAt: r.ready.packagedAt }),
});

/**
 * Routing records within some days, read once (a page at a time) for several agreements: what their
 * delivery facts take from each record, and their "not sent" facts. An agreement's report reads its
 * live days' records this way once; the sealer reads a day's records once for a batch of agreements
 * rather than once for each (a national agency routes thousands of articles a day to thousands).
 */
export interface RoutingDigest {
  /** The record's part in one agreement's delivery fact, or undefined when it is not in the days read. */
  routed(agreementId: string, articleId: string, version: number): Routed | undefined;
  /** The agreement's "not sent" facts within the days read. */
  notSent(agreementId: string): NotSentFact[];
}

/** Reads the routing records of `[from, to]` (days, both included) once, for `agreementIds`. */
export async function digestRouting(
  routing: Pick<RoutingLog, 'listBetween'>,
  agreementIds: readonly string[],
  from: string,
  to: string,
): Promise<RoutingDigest> {
  const wanted = new Set(agreementIds);
  const versions = new Map<string, Omit<Routed, 'topics'>>();
  const topics = new Map<string, string[]>();
  const notSent = new Map<string, NotSentFact[]>();
  // Counted facts by agreement, day, language and reason (COUNTED_NOT_SENT_REASONS).
  const counts = new Map<string, NotSentFact>();
  let cursor: string | undefined;
  do {
    const page = await routing.listBetween(`${from}T00:00:00.000Z`, `${to}T23:59:59.999Z`, {
      limit: 200,
      ...(cursor && { cursor }),
    });
    for (const r of page.items) {
      versions.set(`${r.articleId}#${r.version}`, versionPart(r));
      for (const d of r.decisions) {
        if (!wanted.has(d.agreementId)) continue;
        if (d.covered) {
          topics.set(`${d.agreementId}#${r.articleId}#${r.version}`, d.matchedTopics);
          continue;
        }
        const language = r.ready?.language ?? 'und';
        const list = notSent.get(d.agreementId) ?? [];
        notSent.set(d.agreementId, list);
        if (COUNTED_NOT_SENT_REASONS.includes(d.reason)) {
          const key = `${d.agreementId}\u0000${dayOf(r.at)}\u0000${language}\u0000${d.reason}`;
          const counted = counts.get(key);
          if (counted) {
            counted.count = (counted.count ?? 1) + 1;
            if (r.at < counted.routedAt) counted.routedAt = r.at;
            continue;
          }
          const fact: NotSentFact = {
            type: 'not-sent',
            agreementId: d.agreementId,
            language,
            topics: [],
            routedAt: r.at,
            reason: d.reason,
            count: 1,
          };
          counts.set(key, fact);
          list.push(fact);
          continue;
        }
        list.push({
          type: 'not-sent',
          agreementId: d.agreementId,
          articleId: r.articleId,
          version: r.version,
          language,
          topics: r.ready?.topics ?? [],
          routedAt: r.at,
          reason: d.reason,
        });
      }
    }
    cursor = page.cursor;
  } while (cursor);
  return {
    routed(agreementId, articleId, version) {
      const v = versions.get(`${articleId}#${version}`);
      return v && { ...v, topics: topics.get(`${agreementId}#${articleId}#${version}`) ?? [] };
    },
    notSent: (agreementId) => notSent.get(agreementId) ?? [],
  };
}

/** The record's part in the agreement's delivery fact, read on its own (cached per version). */
function routedByGet(routing: Pick<RoutingLog, 'get'>, agreementId: string) {
  const seen = new Map<string, Promise<Routed>>();
  return (articleId: string, version: number): Promise<Routed> => {
    const key = `${articleId}#${version}`;
    const hit =
      seen.get(key) ??
      routing.get(articleId, version).then((r) => ({
        ...versionPart(r),
        topics: r?.decisions.find((x) => x.agreementId === agreementId)?.matchedTopics ?? [],
      }));
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
function factOf(d: Delivery, routed: Routed): DeliveryFact {
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
    language: routed.language ?? 'und',
    topics: routed.topics,
    status: d.status,
    routedAt: d.createdAt,
    ...(routed.packagedAt && { approvedAt: routed.packagedAt }),
    ...(at && { deliveredAt: at }),
    attempts: d.attemptCount,
    ...(d.firstPulledAt && { firstPulledAt: d.firstPulledAt }),
    downloads: d.downloads ?? 0,
  };
}

/**
 * Every delivery fact of the agreement routed within `[from, to]` (days, both included), each joined
 * with its record from the digest, or read on its own when the digest does not hold it (a backfill's
 * delivery, made after its version was routed).
 */
async function liveDeliveryFacts(
  ports: LivePorts,
  agreementId: string,
  from: string,
  to: string,
  digest: RoutingDigest,
): Promise<DeliveryFact[]> {
  const byGet = routedByGet(ports.routing, agreementId);
  const facts: (DeliveryFact | Promise<DeliveryFact>)[] = [];
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
      if (day < from || day > to) continue;
      const routed = digest.routed(agreementId, d.articleId, d.version);
      facts.push(routed ? factOf(d, routed) : byGet(d.articleId, d.version).then((r) => factOf(d, r)));
    }
    cursor = page.cursor;
  } while (cursor);
  return Promise.all(facts);
}

/**
 * Both kinds of live facts of the agreement within `[from, to]`. `digest` holds the routing records of
 * those days (the sealer reads them once for many agreements); without it they are read here.
 */
export async function liveFacts(
  ports: LivePorts,
  agreementId: string,
  from: string,
  to: string,
  digest?: RoutingDigest,
): Promise<Fact[]> {
  const records = digest ?? (await digestRouting(ports.routing, [agreementId], from, to));
  const inPeriod = (f: NotSentFact) => dayOf(f.routedAt) >= from && dayOf(f.routedAt) <= to;
  const delivered = await liveDeliveryFacts(ports, agreementId, from, to, records);
  return [...delivered, ...records.notSent(agreementId).filter(inPeriod)];
}
