import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StageConfig } from '#infra/stacks/stage.ts';

const PERIOD = Duration.minutes(5);

/**
 * The alarm topic (encrypted with its own key, which CloudWatch may use: alarms cannot publish to a
 * topic under the AWS managed SNS key) and helpers for the "anything at all is wrong" alarms.
 */
export class Alarms extends Construct {
  readonly topic: Topic;
  readonly key: Key;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, stage: StageConfig) {
    super(scope, id);
    this.key = new Key(this, 'TopicKey', {
      description: `Loa ${stage.name} alarm topic`,
      enableKeyRotation: true,
      removalPolicy: stage.removalPolicy,
    });
    const cloudwatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    const fromThisAccount = { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } };
    // In a key policy, '*' is the key itself.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudwatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromThisAccount,
      }),
    );
    this.topic = new Topic(this, 'Topic', {
      displayName: `Loa ${stage.name} alarms`,
      masterKey: this.key,
      enforceSSL: true,
    });
    // The topic policy replaces SNS's default one, so CloudWatch's right to publish is explicit.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudwatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ...fromThisAccount,
          ArnLike: {
            'aws:SourceArn': Stack.of(this).formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (stage.alarmEmail) this.topic.addSubscription(new EmailSubscription(stage.alarmEmail));
    this.action = new SnsAction(this.topic);
  }

  /** An alarm when `metric` reaches `threshold` in one five-minute period; quiet when there is no data. */
  atLeast(id: string, metric: IMetric, threshold: number, description: string): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    return alarm;
  }

  /** Any message waiting in a dead-letter queue needs an operator. */
  deadLetters(id: string, queue: IQueue, what: string): Alarm {
    const metric = queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' });
    return this.atLeast(id, metric, 1, `${what}: messages in the dead-letter queue`);
  }

  /** Errors and throttles of one function. */
  functionHealth(id: string, fn: IFunction, name: string): void {
    this.atLeast(`${id}Errors`, fn.metricErrors({ period: PERIOD, statistic: 'Sum' }), 1, `${name}: errors`);
    this.atLeast(
      `${id}Throttles`,
      fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
      1,
      `${name}: throttled invocations`,
    );
  }
}
