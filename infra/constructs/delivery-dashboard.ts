/**
 * A CloudWatch dashboard `Loa-<stage>`: the deliver functions' outcome metrics (functions/metrics.ts:
 * namespace `Loa`, dimensions `service` and `channelKind`) per channel kind, and every function's
 * errors and throttles.
 */
import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, MathExpression, Metric, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';

const CHANNEL_KINDS = ['webhook', 'broadcast', 'social'] as const;
const OUTCOMES = ['delivered', 'failed', 'retrying'] as const;

/** One outcome count of one channel kind, as functions/metrics.ts writes it (5-minute sums). */
function outcomeMetric(kind: string, name: string): Metric {
  return new Metric({
    namespace: 'Loa',
    metricName: name,
    dimensionsMap: { service: 'loa', channelKind: kind },
    statistic: 'Sum',
    period: Duration.minutes(5),
    label: name,
  });
}

/** Failed deliveries of every channel kind together: what the DeliveryFailed alarm watches. */
export function failedDeliveries(): MathExpression {
  const usingMetrics = Object.fromEntries(CHANNEL_KINDS.map((k) => [k, outcomeMetric(k, 'failed')]));
  return new MathExpression({
    expression: CHANNEL_KINDS.join(' + '),
    usingMetrics,
    label: 'failed deliveries',
    period: Duration.minutes(5),
  });
}

interface DeliveryDashboardProps {
  stageName: string;
  functions: Record<string, { fn: NodejsFunction }>;
}

export class DeliveryDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: DeliveryDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `Loa-${props.stageName}`,
      defaultInterval: Duration.hours(24),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Loa (${props.stageName}): deliveries by channel kind, function health`,
        width: 24,
        height: 1,
      }),
    );
    this.dashboard.addWidgets(
      ...CHANNEL_KINDS.map(
        (kind) =>
          new GraphWidget({
            title: `${kind}: delivered, failed, retrying`,
            left: OUTCOMES.map((name) => outcomeMetric(kind, name)),
            width: 8,
          }),
      ),
    );
    const fns = Object.entries(props.functions);
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'function errors',
        left: fns.map(([name, f]) => f.fn.metricErrors({ period, label: name })),
        width: 12,
      }),
      new GraphWidget({
        title: 'function throttles',
        left: fns.map(([name, f]) => f.fn.metricThrottles({ period, label: name })),
        width: 12,
      }),
    );
  }
}
