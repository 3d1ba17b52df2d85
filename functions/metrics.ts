/**
 * Delivery outcomes as CloudWatch metrics, written as EMF log lines by Powertools Metrics (no API
 * call): `delivered`, `failed`, `retrying` (and `discarded`) counts per channel kind, in namespace
 * `Loa`. They replace the queue that used to count `DeliveryFailed` events, which nothing read.
 * Locally `POWERTOOLS_METRICS_DISABLED` is set (infra/local/runtime.ts), so nothing is printed.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

const METRICS_NAMESPACE = 'Loa';
const OUTCOME_METRICS = ['delivered', 'failed', 'retrying', 'discarded'] as const;

/** One Metrics per channel kind, its kind a default dimension (a `singleMetric` holds one metric only). */
const byKind = new Map<string, Metrics>();

/** Emits one EMF document per channel kind with the counts of this batch's outcomes. */
export function publishOutcomes(counts: Map<string, Map<string, number>>): void {
  for (const [kind, byStatus] of counts) {
    let metrics = byKind.get(kind);
    if (!metrics) {
      metrics = new Metrics({
        namespace: METRICS_NAMESPACE,
        serviceName: 'loa',
        defaultDimensions: { channelKind: kind },
      });
      byKind.set(kind, metrics);
    }
    for (const [status, n] of byStatus) {
      if ((OUTCOME_METRICS as readonly string[]).includes(status))
        metrics.addMetric(status, MetricUnit.Count, n);
    }
    metrics.publishStoredMetrics();
  }
}

/** Adds one outcome to a batch's counts. */
export function countOutcome(counts: Map<string, Map<string, number>>, kind: string, status: string): void {
  const byStatus = counts.get(kind) ?? new Map<string, number>();
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  counts.set(kind, byStatus);
}
