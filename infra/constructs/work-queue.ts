import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueueSpec } from '#infra/wiring.ts';

interface WorkQueueProps {
  spec: QueueSpec;
  /** Physical queue name; the dead-letter queue gets `-dlq` appended. */
  queueName: string;
}

/** SQS-managed encryption and TLS only, as every Loa queue has. */
export const QUEUE_DEFAULTS = { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true } as const;

/**
 * One wiring queue: the queue, its dead-letter queue after `maxReceiveCount` receives, and the
 * event source mapping to its consumer with partial batch failures, so one bad message does not
 * send its whole batch round again.
 */
export class WorkQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  private readonly spec: QueueSpec;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    const { spec } = props;
    this.spec = spec;
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      ...QUEUE_DEFAULTS,
      queueName: `${props.queueName}-dlq`,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      ...QUEUE_DEFAULTS,
      queueName: props.queueName,
      visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: spec.maxReceiveCount },
    });
  }

  /**
   * Maps the queue to its consumer (made after the queue: the consumer's environment names the
   * queue's URL). `concurrency` is the consumer's reserved concurrency, if any.
   */
  attachConsumer(consumer: IFunction, concurrency?: number): void {
    consumer.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: this.spec.batchSize,
        ...(this.spec.maxBatchingWindowSeconds && {
          maxBatchingWindow: Duration.seconds(this.spec.maxBatchingWindowSeconds),
        }),
        reportBatchItemFailures: true,
        // Pollers beyond the reserved concurrency would only be throttled, and each throttled
        // receive counts towards maxReceiveCount.
        // (SQS accepts 2 to 1000.)
        ...(concurrency !== undefined && concurrency >= 2 && { maxConcurrency: Math.min(1000, concurrency) }),
      }),
    );
  }
}
