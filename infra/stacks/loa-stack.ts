import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { EventBus, type EventPattern, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { Alarms } from '#infra/constructs/alarms.ts';
import { restrictBusSources } from '#infra/constructs/bus-policy.ts';
import { failedDeliveries } from '#infra/constructs/delivery-dashboard.ts';
import { type GrantTargets, grantCapabilities } from '#infra/constructs/grants.ts';
import { LoaHttpApi } from '#infra/constructs/http-api.ts';
import { LoaFunction } from '#infra/constructs/loa-function.ts';
import { grantSourceBuckets } from '#infra/constructs/source-buckets.ts';
import type { Storage } from '#infra/constructs/storage.ts';
import { QUEUE_DEFAULTS, WorkQueue } from '#infra/constructs/work-queue.ts';
import type { EventPattern as WiringPattern } from '#infra/wiring.ts';
import { ACCESS, type AccessTable } from './access.ts';
import { acknowledgeNagFindings } from './nag-acknowledgements.ts';
import type { StageConfig } from './stage.ts';
import { assertWiring, WIRING, type Wiring } from './wiring-check.ts';

interface LoaStackProps extends StackProps {
  stage: StageConfig;
  /** The table and buckets, from the stateful stack (`LoaStatefulStack`). */
  storage: Storage;
  /** What names derive from (`Loa-<stage>`): schedule rules keep their names whatever the stack's. */
  baseName: string;
  /** Defaults to infra/wiring.ts; tests pass variants. */
  wiring?: Wiring;
  access?: AccessTable;
  /** The CMS's IAM principal (`-c cmsPrincipalArn=`), allowed `loa.cms` events on the bus and nothing else. */
  cmsPrincipalArn?: string;
  /** Asset sources besides the content bucket (`bucket` or `bucket/prefix/`, `-c sourceBuckets=a,b/c/`). */
  sourceBuckets?: string[];
  /** Days a finished delivery stays in the table (`-c retentionDays=N`); none keeps the functions' default. */
  retentionDays?: number;
}

/** The env var through which configFromEnv reads a queue's URL (shared/config/config.ts). */
const queueUrlVariable = (queue: string) => `LOA_QUEUE_URL_${queue.toUpperCase().replace(/-/g, '_')}`;

/** The wiring's pattern as CDK's EventPattern: CDK spells `detail-type` as `detailType` and renders it back. */
function toCdkPattern(pattern: WiringPattern): EventPattern {
  return Object.fromEntries(
    Object.entries(pattern).map(([key, value]) => [key === 'detail-type' ? 'detailType' : key, value]),
  );
}

/**
 * The stateless part of Loa on AWS (everything but the data, which `LoaStatefulStack` holds and
 * passes in as `storage`), built from the same wiring the local runtime reads: every FUNCTION a
 * Lambda, every SUBSCRIPTION a rule on the bus, every QUEUE an SQS
 * queue with a dead-letter queue feeding its consumer, every HTTP_ROUTE a route of the HTTP API.
 */
export class LoaStack extends Stack {
  readonly storage: Storage;
  private readonly baseName: string;
  readonly bus: EventBus;
  readonly workQueues: Record<string, WorkQueue>;
  readonly api: LoaHttpApi;
  readonly functions: Record<string, LoaFunction> = {};
  /** Bus events no handler could finish: undeliverable by a rule, or failed after Lambda's retries. */
  readonly busDeadLetters: Queue;
  readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: LoaStackProps) {
    super(scope, id, props);
    const { stage } = props;
    const wiring = props.wiring ?? WIRING;
    const access: AccessTable = props.access ?? ACCESS;
    assertWiring(wiring, access);
    const prefix = `loa-${stage.name}`;

    this.storage = props.storage;
    this.baseName = props.baseName;
    this.bus = new EventBus(this, 'Bus', { eventBusName: `${wiring.busName}-${stage.name}` });
    this.bus.archive('Archive', {
      description: 'Every Loa event, for replay after an incident',
      eventPattern: { account: [this.account] },
      retention: stage.archiveRetention,
    });
    this.workQueues = Object.fromEntries(
      wiring.queues.map((spec) => [
        spec.name,
        new WorkQueue(this, `Queue-${spec.name}`, { spec, queueName: `${prefix}-${spec.name}` }),
      ]),
    );
    this.api = new LoaHttpApi(this, 'Http', stage);
    this.busDeadLetters = new Queue(this, 'BusDeadLetters', {
      ...QUEUE_DEFAULTS,
      queueName: `${prefix}-bus-dlq`,
      retentionPeriod: Duration.days(14),
    });

    // The functions come after everything their environment names, and before what names them.
    this.addFunctions(wiring, access, stage, prefix, props.sourceBuckets, props.retentionDays);
    this.wireBus(wiring);
    restrictBusSources(
      this.bus,
      // Only the functions that publish (ACCESS `bus:publish`) may put Loa's internal events.
      Object.entries(this.functions)
        .filter(([name]) => access[name]?.includes('bus:publish'))
        .map(([, f]) => f.role),
      props.cmsPrincipalArn,
    );
    for (const spec of wiring.queues) {
      this.workQueues[spec.name]?.attachConsumer(
        this.fn(spec.consumer).fn,
        wiring.functions[spec.consumer]?.reservedConcurrency,
      );
    }
    this.api.addWiringRoutes(
      wiring.httpRoutes,
      Object.fromEntries(Object.entries(this.functions).map(([name, f]) => [name, f.fn])),
    );
    this.alarms = this.addAlarms(stage);
    this.addOutputs();
    acknowledgeNagFindings({
      storage: this.storage,
      functions: this.functions,
      access,
      api: this.api,
      busDeadLetters: this.busDeadLetters,
    });
  }

  private fn(name: string): LoaFunction {
    const fn = this.functions[name];
    if (!fn) throw new Error(`no function ${name}`);
    return fn;
  }

  /** One Lambda per wiring function, with the shared environment and its ACCESS capabilities. */
  private addFunctions(
    wiring: Wiring,
    access: AccessTable,
    stage: StageConfig,
    prefix: string,
    extraSources: string[] = [],
    retentionDays?: number,
  ): void {
    const { storage, bus, api } = this;
    // Exactly what configFromEnv reads (shared/config/config.ts), plus Powertools' settings.
    const environment = {
      POWERTOOLS_SERVICE_NAME: 'loa',
      POWERTOOLS_LOG_LEVEL: stage.logLevel,
      LOA_TABLE_NAME: storage.table.tableName,
      LOA_CONTENT_BUCKET: storage.contentBucket.bucketName,
      // The package function copies assets from these only (shared/domain/source-buckets.ts).
      ...(extraSources.length > 0 && {
        LOA_SOURCE_BUCKETS: [storage.contentBucket.bucketName, ...extraSources].join(','),
      }),
      LOA_PACKAGES_BUCKET: storage.packagesBucket.bucketName,
      LOA_BUS_NAME: bus.eventBusName,
      ...Object.fromEntries(
        Object.entries(this.workQueues).map(([name, q]) => [queueUrlVariable(name), q.queue.queueUrl]),
      ),
      LOA_PUBLIC_BASE_URL: api.baseUrl,
      LOA_SECRETS: 'secretsmanager',
      ...(retentionDays !== undefined && { LOA_RETENTION_DAYS: String(retentionDays) }),
    };
    const targets: GrantTargets = {
      table: storage.table,
      indexNames: storage.indexNames,
      contentBucket: storage.contentBucket,
      packagesBucket: storage.packagesBucket,
      bus,
      queues: Object.fromEntries(Object.entries(this.workQueues).map(([name, q]) => [name, q.queue])),
    };
    for (const [name, spec] of Object.entries(wiring.functions)) {
      const fn = new LoaFunction(this, `Fn-${name}`, {
        name,
        spec,
        functionName: `${prefix}-${name}`,
        environment,
        logRetention: stage.logRetention,
        removalPolicy: stage.removalPolicy,
      });
      grantCapabilities(this, fn.role, access[name] ?? [], targets);
      if (access[name]?.includes('content:read')) grantSourceBuckets(fn.role, extraSources);
      this.functions[name] = fn;
    }
  }

  /**
   * One rule per subscription, with the wiring's pattern. What no handler could finish goes to
   * the bus dead-letter queue: from the rule when the function cannot be invoked, from Lambda
   * when the handler still fails after two retries. Schedules are rules on the default bus (the
   * only bus schedule rules may use); a failed run is not retried, the next one is the retry.
   */
  private wireBus(wiring: Wiring): void {
    const subscribers = new Set(wiring.subscriptions.map((sub) => sub.target as string));
    for (const name of subscribers) {
      this.fn(name).fn.configureAsyncInvoke({
        onFailure: new SqsDestination(this.busDeadLetters),
        retryAttempts: 2,
      });
    }
    for (const name of new Set(wiring.schedules.map((x) => x.target as string))) {
      if (!subscribers.has(name)) this.fn(name).fn.configureAsyncInvoke({ retryAttempts: 0 });
    }
    for (const x of wiring.schedules) {
      new Rule(this, `Schedule-${x.name}`, {
        ruleName: `${this.baseName}-${x.name}`,
        description: `${x.expression} → ${x.target}`,
        schedule: Schedule.expression(x.expression),
        targets: [new LambdaFunction(this.fn(x.target).fn, { deadLetterQueue: this.busDeadLetters })],
      });
    }
    for (const sub of wiring.subscriptions) {
      new Rule(this, `Rule-${sub.rule}`, {
        eventBus: this.bus,
        ruleName: sub.rule,
        description: `${sub.pattern['detail-type'].join(', ')} → ${sub.target}`,
        eventPattern: toCdkPattern(sub.pattern),
        targets: [new LambdaFunction(this.fn(sub.target).fn, { deadLetterQueue: this.busDeadLetters })],
      });
    }
  }

  /** Dead letters anywhere, any failed delivery, any function error or throttle. */
  private addAlarms(stage: StageConfig): Alarms {
    const alarms = new Alarms(this, 'Alarms', stage);
    for (const [name, q] of Object.entries(this.workQueues)) {
      alarms.deadLetters(`DeadLetters-${name}`, q.deadLetterQueue, name);
    }
    alarms.deadLetters('DeadLetters-bus', this.busDeadLetters, 'bus subscribers');
    // The deliver functions' own `failed` metric (EMF, functions/metrics.ts), every channel kind.
    alarms.atLeast('DeliveryFailed', failedDeliveries(), 1, 'a delivery failed for good');
    for (const [name, f] of Object.entries(this.functions)) alarms.functionHealth(`Fn-${name}`, f.fn, name);
    return alarms;
  }

  private addOutputs(): void {
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('ApiUrl', this.api.baseUrl, 'HTTP API base URL (LOA_PUBLIC_BASE_URL)');
    output('BusName', this.bus.eventBusName, 'EventBridge bus for loa.* events');
    output('AlarmTopicArn', this.alarms.topic.topicArn, 'SNS topic of every Loa alarm');
  }
}
