/**
 * The dashboard's health rows: per agreement, deliveries by status that changed in the last hours
 * (gsi2 per status, sort keys only) and per-bucket counts for a small chart.
 */
import type { DeliveryStatus } from '#domain/delivery.ts';
import type { Agreement, Channel } from '#schemas/agreement.ts';
import type { Deps } from '../deps.ts';
import { channelStates } from './catch-up.ts';

const STATUSES: DeliveryStatus[] = ['delivered', 'retrying', 'failed', 'pending', 'discarded', 'held'];
/** Agreements read at once: a few hundred agreements make five queries each. */
const CONCURRENCY = 16;

type Counts = Record<DeliveryStatus, number>;
const zero = (): Counts => ({ delivered: 0, retrying: 0, failed: 0, pending: 0, discarded: 0, held: 0 });

/** `ok`: nothing failing; `degraded`: retrying; `failing`: failures and nothing delivered since the last one. */
function verdict(
  counts: Counts,
  lastFailedAt?: string,
  lastDeliveredAt?: string,
): 'ok' | 'degraded' | 'failing' | 'idle' {
  if (counts.failed > 0 && (!lastDeliveredAt || (lastFailedAt ?? '') > lastDeliveredAt)) return 'failing';
  if (counts.failed > 0 || counts.retrying > 0 || counts.held > 0) return 'degraded';
  if (counts.delivered === 0) return 'idle';
  return 'ok';
}

/**
 * What the dashboard shows of a channel: its kind, and the network or target of a social or broadcast
 * one. No URL, bucket or secret reference: the page names channels, the agreement itself says where.
 */
function channelView(c: Channel) {
  return {
    channelId: c.channelId,
    type: c.type,
    ...(c.type === 'social' && { network: c.network }),
    ...(c.type === 'broadcast' && { target: c.target }),
  };
}

async function rowOf(
  deps: Pick<Deps, 'deliveryQueries' | 'circuits'>,
  a: Agreement,
  from: Date,
  bucketMs: number,
  buckets: number,
) {
  const counts = zero();
  const series = Array.from({ length: buckets }, (_, i) => ({
    at: new Date(from.getTime() + i * bucketMs).toISOString(),
    ...zero(),
  }));
  const latest: Partial<Record<DeliveryStatus, string>> = {};
  await Promise.all(
    STATUSES.map(async (status) => {
      const times = await deps.deliveryQueries.statusTimes(a.agreementId, status, from.toISOString());
      counts[status] = times.length;
      for (const t of times) {
        const slot = series[Math.min(buckets - 1, Math.floor((Date.parse(t) - from.getTime()) / bucketMs))];
        if (slot) slot[status]++;
        if (t > (latest[status] ?? '')) latest[status] = t;
      }
    }),
  );
  // A paused channel (failing for days) shows as such: the operator resumes it (docs/operators.md).
  const states = await channelStates(deps, a.channels);
  return {
    agreementId: a.agreementId,
    partner: a.partner,
    status: a.status,
    validTo: a.validTo,
    channels: a.channels.map((c) => {
      const circuit = states[c.channelId]?.circuit ?? 'closed';
      return { ...channelView(c), ...(circuit !== 'closed' && { circuit }) };
    }),
    counts,
    health: verdict(counts, latest.failed, latest.delivered),
    lastDeliveredAt: latest.delivered,
    lastFailedAt: latest.failed,
    buckets: series.map(({ at, delivered, retrying, failed }) => ({ at, delivered, retrying, failed })),
  };
}

/** Health of every agreement over the last `hours`, worst first. */
export async function agreementHealth(
  deps: Pick<Deps, 'agreements' | 'deliveryQueries' | 'clock'>,
  hours: number,
) {
  const now = deps.clock.now();
  const bucketMs = (hours <= 48 ? 1 : 6) * 3_600_000;
  const buckets = Math.ceil((hours * 3_600_000) / bucketMs);
  const from = new Date(now.getTime() - buckets * bucketMs);
  const agreements = await deps.agreements.list();
  const rows: Awaited<ReturnType<typeof rowOf>>[] = [];
  for (let i = 0; i < agreements.length; i += CONCURRENCY) {
    rows.push(
      ...(await Promise.all(
        agreements.slice(i, i + CONCURRENCY).map((a) => rowOf(deps, a, from, bucketMs, buckets)),
      )),
    );
  }
  const rank = { failing: 0, degraded: 1, idle: 2, ok: 3 } as const;
  rows.sort((x, y) => rank[x.health] - rank[y.health] || x.agreementId.localeCompare(y.agreementId));
  return {
    from: from.toISOString(),
    to: now.toISOString(),
    hours,
    bucketMinutes: bucketMs / 60_000,
    items: rows,
  };
}
