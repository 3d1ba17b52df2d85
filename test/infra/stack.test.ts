/**
 * The resources of the dev stack, synthesized once with real bundling (the same local esbuild
 * `cdk synth` runs), so the code assets are checked too.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TTL_ATTRIBUTE } from '#adapters/aws/table.ts';
import { VISIBILITY_FACTOR } from '#infra/stacks/wiring-check.ts';
import { FUNCTIONS, SCHEDULES, SUBSCRIPTIONS } from '#infra/wiring.ts';
import {
  type CfnResource,
  dependencyCycles,
  getAtt,
  logicalId,
  ref,
  resourcesOf,
  type Synth,
  synthLoa,
} from './synth.ts';

let s: Synth;
// Twelve esbuild runs, each bundling the AWS SDK: 51 s at load 8.5 on 2 cores, near the 60 s default.
beforeAll(() => {
  s = synthLoa();
}, 180_000);
afterAll(() => s?.dispose());

const props = (r: CfnResource) => r.Properties ?? {};
const fnOf = (name: string) => {
  const f = s.stack.functions[name];
  if (!f) throw new Error(`no function ${name}`);
  return f;
};

/** Where the code asset of a function was staged: its S3 key is `<hash>.zip`, the manifest maps the hash. */
function assetDirOf(functionId: string): string {
  const code = props(s.json.Resources[functionId] as CfnResource).Code as { S3Key: string };
  const manifest = JSON.parse(readFileSync(join(s.outdir, `${s.stack.stackName}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string } }>;
  };
  const asset = manifest.files[code.S3Key.replace(/\.zip$/, '')];
  if (!asset) throw new Error(`no asset for ${functionId}`);
  return join(s.outdir, asset.source.path);
}

describe('functions', () => {
  it.each(Object.keys(FUNCTIONS))(
    '%s has X-Ray off and logs to its own log group with a retention',
    (name) => {
      const f = fnOf(name);

      s.template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: `/aws/lambda/loa-dev-${name}`,
        RetentionInDays: 14,
      });
      s.template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `loa-dev-${name}`,
        TracingConfig: Match.absent(),
        LoggingConfig: { LogGroup: ref(f.logGroup) },
        Environment: {
          Variables: Match.objectLike({
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_LOG_LEVEL: 'DEBUG',
          }),
        },
      });
    },
  );

  it('gives no function role an AWS managed policy', () => {
    const roles = Object.values(s.stack.functions).map((f) => s.json.Resources[logicalId(f.role)]);

    expect(roles.map((r) => r && props(r).ManagedPolicyArns)).toEqual(roles.map(() => undefined));
  });

  /** The modules an ESM bundle asks Node for: its static `from "…"` and dynamic `import("…")`. */
  const loadedModules = (code: string) =>
    [...code.matchAll(/\bfrom\s*(["'])([\w@./:-]+)\1|\bimport\s*\(\s*(["'])([\w@./:-]+)\3\s*\)/g)].map(
      (m) => m[2] ?? m[4],
    );

  it.each(Object.entries(FUNCTIONS))(
    '%s ships a minified ESM bundle of its own entry, with a source map and the AWS SDK inside',
    (name, spec) => {
      const assetDir = assetDirOf(logicalId(fnOf(name).fn));
      const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
      const map = JSON.parse(readFileSync(join(assetDir, 'index.mjs.map'), 'utf8')) as { sources: string[] };

      expect(statSync(join(assetDir, 'index.mjs')).size).toBeLessThan(1024 * 1024);
      // Minified: whitespace gone, so lines run long (only template literals keep their newlines).
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
      expect(code).toMatch(/export\s*\{/);
      expect(code).toMatch(/^import\s*\{\s*createRequire\s*\}/);
      expect(map.sources.some((src) => src.endsWith(spec.entry))).toBe(true);
      // The SDK is bundled (infra/constructs/bundling.ts): every function reaches DynamoDB through it.
      expect(map.sources.some((src) => src.includes('node_modules/@aws-sdk/client-dynamodb/'))).toBe(true);
      const loaded = loadedModules(code);
      expect(loaded).toContain('node:module');
      expect(loaded.filter((m) => !isBuiltin(m ?? ''))).toEqual([]);
      expect(existsSync(join(assetDir, 'node_modules'))).toBe(false);
    },
  );

  it.each([...new Set(SUBSCRIPTIONS.map((x) => x.target))])(
    '%s, a bus subscriber, sends events that fail after two retries to the bus dead-letter queue',
    (name) => {
      s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: ref(fnOf(name).fn),
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: getAtt(s.stack.busDeadLetters) } },
      });
    },
  );

  it.each(
    [...new Set(SCHEDULES.map((x) => x.target))].filter((n) => !SUBSCRIPTIONS.some((x) => x.target === n)),
  )('%s, run on a schedule, is not retried when a run fails (the next run is the retry)', (name) => {
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(fnOf(name).fn),
      MaximumRetryAttempts: 0,
      DestinationConfig: Match.absent(),
    });
  });
});

describe('event bus', () => {
  it('archives every event of the account on the bus', () => {
    s.template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: getAtt(s.stack.bus),
      EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
      RetentionDays: 14,
    });
  });

  it('gives every function target of a rule the bus dead-letter queue', () => {
    const targets = resourcesOf(s.json, 'AWS::Events::Rule').flatMap(
      ([, r]) => props(r).Targets as { Arn: unknown; DeadLetterConfig?: unknown }[],
    );
    const toFunctions = targets.filter((t) =>
      Object.values(s.stack.functions).some((f) => JSON.stringify(t.Arn) === JSON.stringify(getAtt(f.fn))),
    );

    expect(toFunctions).toHaveLength(SUBSCRIPTIONS.length + SCHEDULES.length);
    for (const t of toFunctions) expect(t.DeadLetterConfig).toEqual({ Arn: getAtt(s.stack.busDeadLetters) });
  });

  it('alarms on the deliver functions’ failed metric of every channel kind, with no queue to count events', () => {
    const failedOf = (kind: string) =>
      Match.objectLike({
        Id: kind,
        MetricStat: Match.objectLike({
          Metric: {
            Namespace: 'Loa',
            MetricName: 'failed',
            Dimensions: Match.arrayWith([{ Name: 'channelKind', Value: kind }]),
          },
          Stat: 'Sum',
        }),
      });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'webhook + broadcast + social' }),
        failedOf('webhook'),
        failedOf('broadcast'),
        failedOf('social'),
      ]),
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const countingRules = Object.values(s.json.Resources).filter(
      (r) =>
        r.Type === 'AWS::Events::Rule' &&
        JSON.stringify(r.Properties?.EventPattern ?? {}).includes('DeliveryFailed'),
    );
    expect(countingRules).toEqual([]);
  });
});

describe('queues', () => {
  it('encrypts every queue with SQS-managed keys and refuses plain HTTP', () => {
    const queues = resourcesOf(s.json, 'AWS::SQS::Queue');
    const policies = resourcesOf(s.json, 'AWS::SQS::QueuePolicy');

    expect(queues.map(([, q]) => props(q).SqsManagedSseEnabled)).toEqual(queues.map(() => true));
    for (const [id] of queues) {
      const denies = policies.some(([, p]) =>
        JSON.stringify(props(p).PolicyDocument).includes(
          JSON.stringify({
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Resource: { 'Fn::GetAtt': [id, 'Arn'] },
          }),
        ),
      );
      expect(denies, `queue ${id} has no TLS-only policy`).toBe(true);
    }
  });

  it('keeps dead letters for 14 days', () => {
    for (const q of [
      ...Object.values(s.stack.workQueues).map((w) => w.deadLetterQueue),
      s.stack.busDeadLetters,
    ]) {
      expect(props(s.json.Resources[logicalId(q)] as CfnResource).MessageRetentionPeriod).toBe(
        14 * 24 * 3600,
      );
    }
  });

  it(`has every queue's visibility timeout at least ${VISIBILITY_FACTOR} times its consumer's timeout`, () => {
    const mappings = resourcesOf(s.json, 'AWS::Lambda::EventSourceMapping');

    expect(mappings.length).toBeGreaterThan(0);
    for (const [, m] of mappings) {
      const queueId = (props(m).EventSourceArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
      const fnId = (props(m).FunctionName as { Ref: string }).Ref;
      const visibility = props(s.json.Resources[queueId] as CfnResource).VisibilityTimeout as number;
      const timeout = props(s.json.Resources[fnId] as CfnResource).Timeout as number;
      expect(visibility).toBeGreaterThanOrEqual(VISIBILITY_FACTOR * timeout);
    }
  });

  it('caps the pollers of a consumer with reserved concurrency at that concurrency', () => {
    const capped = Object.entries(FUNCTIONS).filter(([, spec]) => spec.reservedConcurrency !== undefined);
    for (const [name, spec] of capped) {
      const consumes = resourcesOf(s.json, 'AWS::Lambda::EventSourceMapping').filter(
        ([, m]) => (props(m).FunctionName as { Ref: string }).Ref === logicalId(fnOf(name).fn),
      );
      for (const [, m] of consumes) {
        expect(props(m).ScalingConfig).toEqual({ MaximumConcurrency: spec.reservedConcurrency });
      }
    }
  });
});

describe('table', () => {
  it('is on-demand, encrypted with KMS, point-in-time recoverable, with TTL on the TTL attribute', () => {
    s.statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
  });
});

describe('buckets', () => {
  const buckets = () => [
    s.stateful.storage.contentBucket,
    s.stateful.storage.packagesBucket,
    s.stateful.storage.logBucket,
  ];

  it('encrypts every bucket, blocks public access and enforces bucket-owner objects', () => {
    for (const b of buckets()) {
      expect(props(s.statefulJson.Resources[logicalId(b)] as CfnResource)).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
    }
  });

  it('denies requests without TLS (or below TLS 1.2) on every bucket', () => {
    for (const b of buckets()) {
      s.statefulTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: ref(b),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
          ]),
        },
      });
    }
  });

  it('versions the packages bucket and expires its noncurrent versions, the delete markers they leave and abandoned uploads', () => {
    s.statefulTemplate.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          }),
          Match.objectLike({ Status: 'Enabled', ExpiredObjectDeleteMarker: true }),
        ],
      },
      LoggingConfiguration: {
        DestinationBucketName: ref(s.stateful.storage.logBucket),
        LogFilePrefix: 'packages/',
      },
    });
  });

  it('logs content bucket access to the log bucket, which expires its logs', () => {
    s.statefulTemplate.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: {
        DestinationBucketName: ref(s.stateful.storage.logBucket),
        LogFilePrefix: 'content/',
      },
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } })],
      },
    });
    expect(
      props(s.statefulJson.Resources[logicalId(s.stateful.storage.logBucket)] as CfnResource),
    ).toMatchObject({
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 30, Status: 'Enabled' }] },
    });
  });
});

describe('HTTP API', () => {
  it('throttles and access-logs the $default stage, without query strings (they carry signatures)', () => {
    const stage = resourcesOf(s.json, 'AWS::ApiGatewayV2::Stage');

    expect(stage).toHaveLength(1);
    const p = props((stage[0] as [string, CfnResource])[1]);
    expect(p).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      AccessLogSettings: { DestinationArn: getAtt(s.stack.api.accessLogs) },
    });
    const format = JSON.parse((p.AccessLogSettings as { Format: string }).Format) as Record<string, string>;
    expect(format.requestId).toBe('$context.requestId');
    expect(Object.values(format).filter((v) => /querystring|rawQuery/i.test(v))).toEqual([]);
  });

  it('lets API Gateway invoke the functions only from this API', () => {
    const permissions = resourcesOf(s.json, 'AWS::Lambda::Permission').filter(
      ([, p]) => props(p).Principal === 'apigateway.amazonaws.com',
    );

    expect(permissions.length).toBeGreaterThan(0);
    for (const [, p] of permissions) {
      expect(JSON.stringify(props(p).SourceArn)).toContain(JSON.stringify(ref(s.stack.api.api)));
    }
  });
});

describe('alarms', () => {
  it('publishes to an SNS topic encrypted with a rotating key CloudWatch may use', () => {
    s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: getAtt(s.stack.alarms.key) });
    s.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
          }),
        ]),
      },
    });
  });

  it('alarms on any message in any dead-letter queue', () => {
    const dlqs = [...Object.values(s.stack.workQueues).map((w) => w.deadLetterQueue), s.stack.busDeadLetters];
    for (const q of dlqs) {
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: getAtt(q, 'QueueName') }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [ref(s.stack.alarms.topic)],
      });
    }
  });

  it.each(Object.keys(FUNCTIONS))('alarms on errors and throttles of %s', (name) => {
    for (const metric of ['Errors', 'Throttles']) {
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: ref(fnOf(name).fn) }],
        Threshold: 1,
        AlarmActions: [ref(s.stack.alarms.topic)],
      });
    }
  });
});

describe('the template as a whole', () => {
  it('outputs the API URL and the bus name', () => {
    s.template.hasOutput('ApiUrl', { Value: getAtt(s.stack.api.api, 'ApiEndpoint') });
    s.template.hasOutput('BusName', { Value: ref(s.stack.bus) });
  });

  it('has no dependency cycle (the functions name the API URL, the API integrates the functions)', () => {
    expect(dependencyCycles(s.json.Resources)).toEqual([]);
  });

  it('would see a cycle if there were one (the check itself)', () => {
    const resources = {
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: { Environment: { Url: { 'Fn::GetAtt': ['Api', 'ApiEndpoint'] } } },
      },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, not JS.
      Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: { 'Fn::Sub': 'x-${Fn.Arn}' } } },
    };

    expect(dependencyCycles(resources)).toEqual(['Fn → Api → Fn']);
  });
});
