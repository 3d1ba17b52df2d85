/**
 * The AWS stack follows infra/wiring.ts, the same module the local runtime reads: a change to the
 * wiring that the stack does not follow fails here. Resources are found by the physical names the
 * wiring implies, not through the stack's own bookkeeping.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableDefinition } from '#adapters/aws/table.ts';
import { configFromEnv } from '#config/config.ts';
import { BUS_NAME, FUNCTIONS, HTTP_ROUTES, QUEUES, SCHEDULES, SUBSCRIPTIONS } from '#infra/wiring.ts';
import { type CfnResource, resourcesOf, type Synth, synthLoa, TEMPLATE_ONLY } from './synth.ts';

let s: Synth;
beforeAll(() => {
  s = synthLoa(TEMPLATE_ONLY);
});
afterAll(() => s?.dispose());

function only(
  type: string,
  where: (r: CfnResource) => boolean,
  what: string,
  json = s.json,
): [string, CfnResource] {
  const found = resourcesOf(json, type).filter(([, r]) => where(r));
  if (found.length !== 1) throw new Error(`expected one ${type} for ${what}, found ${found.length}`);
  return found[0] as [string, CfnResource];
}
const props = (r: CfnResource) => r.Properties ?? {};
const functionId = (name: string) =>
  only('AWS::Lambda::Function', (r) => props(r).FunctionName === `loa-dev-${name}`, `function ${name}`)[0];
const queueId = (name: string) =>
  only('AWS::SQS::Queue', (r) => props(r).QueueName === `loa-dev-${name}`, `queue ${name}`)[0];

describe('every FUNCTION', () => {
  it.each(Object.entries(FUNCTIONS))('%s is a Lambda with its spec on Node.js 22 arm64', (name, spec) => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: `loa-dev-${name}`,
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: spec.memoryMb,
      Timeout: spec.timeoutSeconds,
      ReservedConcurrentExecutions: spec.reservedConcurrency ?? Match.absent(),
      Description: Match.stringLikeRegexp(spec.entry.replace(/[.]/g, '\\.')),
    });
  });

  it('is the whole set of application functions (nothing extra, nothing missing)', () => {
    const named = resourcesOf(s.json, 'AWS::Lambda::Function')
      .map(([, r]) => props(r).FunctionName)
      .filter((n): n is string => typeof n === 'string');

    expect(named.sort()).toEqual(
      Object.keys(FUNCTIONS)
        .map((n) => `loa-dev-${n}`)
        .sort(),
    );
  });
});

describe('every SUBSCRIPTION', () => {
  it.each(SUBSCRIPTIONS.map((sub) => [sub.rule, sub] as const))(
    '%s is a rule on the bus with the same pattern, targeting its function',
    (_rule, sub) => {
      const [busId] = only('AWS::Events::EventBus', () => true, 'the bus');

      s.template.hasResourceProperties('AWS::Events::Rule', {
        Name: sub.rule,
        EventBusName: { Ref: busId },
        EventPattern: Match.objectEquals(sub.pattern),
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId(sub.target), 'Arn'] } })],
      });
    },
  );

  it('accounts for every rule that invokes a function', () => {
    const functionIds = new Set(Object.keys(FUNCTIONS).map(functionId));
    const invoking = resourcesOf(s.json, 'AWS::Events::Rule').filter(([, r]) =>
      (props(r).Targets as { Arn: { 'Fn::GetAtt'?: [string, string] } }[]).some((t) =>
        functionIds.has(t.Arn['Fn::GetAtt']?.[0] ?? ''),
      ),
    );

    expect(invoking.map(([, r]) => props(r).Name).sort()).toEqual(
      [...SUBSCRIPTIONS.map((x) => x.rule), ...SCHEDULES.map((x) => `Loa-dev-${x.name}`)].sort(),
    );
  });
});

describe('every SCHEDULE', () => {
  it.each(SCHEDULES.map((x) => [x.name, x] as const))(
    '%s is a rule on the default bus with its schedule expression, targeting its function',
    (name, schedule) => {
      s.template.hasResourceProperties('AWS::Events::Rule', {
        Name: `Loa-dev-${name}`,
        EventBusName: Match.absent(),
        ScheduleExpression: schedule.expression,
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId(schedule.target), 'Arn'] } })],
      });
    },
  );
});

describe('every QUEUE', () => {
  it.each(QUEUES.map((q) => [q.name, q] as const))(
    '%s is an SQS queue with a dead-letter queue, mapped to its consumer',
    (name, spec) => {
      const dlq = queueId(`${name}-dlq`);
      const queue = queueId(name);

      s.template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: `loa-dev-${name}`,
        VisibilityTimeout: spec.visibilityTimeoutSeconds,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] },
          maxReceiveCount: spec.maxReceiveCount,
        },
      });
      s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
        FunctionName: { Ref: functionId(spec.consumer) },
        BatchSize: spec.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    },
  );

  it('has no event source mapping the wiring does not declare', () => {
    expect(resourcesOf(s.json, 'AWS::Lambda::EventSourceMapping')).toHaveLength(QUEUES.length);
  });
});

describe('every HTTP_ROUTE', () => {
  const routes = () => resourcesOf(s.json, 'AWS::ApiGatewayV2::Route');
  /** The function an API route integrates with, read through its integration. */
  function targetFunctionOf(route: CfnResource): string | undefined {
    const target = props(route).Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
    const integration = s.json.Resources[target['Fn::Join'][1][1].Ref];
    const uri = integration?.Properties?.IntegrationUri as { 'Fn::GetAtt': [string, string] } | undefined;
    return uri?.['Fn::GetAtt'][0];
  }

  it.each(HTTP_ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s is an API route with its authorisation, integrated with its function',
    (routeKey, route) => {
      const [, found] = only(
        'AWS::ApiGatewayV2::Route',
        (r) => props(r).RouteKey === routeKey,
        `route ${routeKey}`,
      );

      expect(props(found).AuthorizationType).toBe(route.auth === 'iam' ? 'AWS_IAM' : 'NONE');
      expect(targetFunctionOf(found)).toBe(functionId(route.target));
    },
  );

  it('has no route the wiring does not declare', () => {
    expect(
      routes()
        .map(([, r]) => props(r).RouteKey)
        .sort(),
    ).toEqual(HTTP_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });
});

describe('the shared configuration', () => {
  it('names the bus after BUS_NAME, suffixed with the stage', () => {
    s.template.hasResourceProperties('AWS::Events::EventBus', { Name: `${BUS_NAME}-dev` });
  });

  it('gives the table the key schema and indexes of tableDefinition, which the local runtime creates', () => {
    const shape = tableDefinition('any');
    const [, table] = only('AWS::DynamoDB::Table', () => true, 'the table', s.statefulJson);
    const byName = <T extends { AttributeName?: string; IndexName?: string }>(xs: T[]) =>
      [...xs].sort((a, b) =>
        String(a.AttributeName ?? a.IndexName).localeCompare(String(b.AttributeName ?? b.IndexName)),
      );

    expect(props(table).KeySchema).toEqual(shape.KeySchema);
    expect(byName(props(table).AttributeDefinitions as [])).toEqual(byName(shape.AttributeDefinitions));
    expect(byName(props(table).GlobalSecondaryIndexes as [])).toEqual(byName(shape.GlobalSecondaryIndexes));
  });

  it.each(Object.keys(FUNCTIONS))(
    'gives %s an environment configFromEnv accepts, and no LOA_ variable it ignores',
    (name) => {
      const [, fn] = only('AWS::Lambda::Function', (r) => props(r).FunctionName === `loa-dev-${name}`, name);
      const variables = (props(fn).Environment as { Variables: Record<string, unknown> }).Variables;
      // Values CloudFormation fills in at deploy time stand in as a URL, which every field accepts.
      const env = Object.fromEntries(
        Object.entries(variables).map(([k, v]) => [
          k,
          typeof v === 'string' ? v : 'https://resolved.example.com',
        ]),
      );
      const read = new Set<string>();
      const watched = new Proxy(env, {
        get: (target, key: string) => {
          read.add(key);
          return target[key];
        },
      });

      expect(() => configFromEnv(watched)).not.toThrow();
      expect(Object.keys(env).filter((k) => k.startsWith('LOA_') && !read.has(k))).toEqual([]);
      expect(variables).toMatchObject({ LOA_SECRETS: 'secretsmanager', POWERTOOLS_SERVICE_NAME: 'loa' });
    },
  );
});
