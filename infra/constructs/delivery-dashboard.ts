/**
 * A CloudWatch dashboard `Loa-<stage>`: the deliver functions' outcome metrics (functions/metrics.ts:
 * namespace `Loa`, dimensions `service` and `channelKind`) per channel kind, and every function's
 * errors and throttles.
 */
import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, Metric, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';

export const CHANNEL_KINDS = ['webhook', 'broadcast', 'social'] as const;
const OUTCOMES = ['delivered', 'failed', 'retrying'] as const;

export interface DeliveryDashboardProps {
  stageName: string;
  functions: Record<string, { fn: NodejsFunction }>;
}

export class DeliveryDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: DeliveryDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const outcome = (kind: string, name: string) =>
      new Metric({
        namespace: 'Loa',
        metricName: name,
        dimensionsMap: { service: 'loa', channelKind: kind },
        statistic: 'Sum',
        period,
        label: name,
      });
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
            left: OUTCOMES.map((name) => outcome(kind, name)),
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
