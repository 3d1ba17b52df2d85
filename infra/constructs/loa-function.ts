import { join } from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionSpec } from '#infra/wiring.ts';
import { cdkBundling, LAMBDA_NODE_OPTIONS, REPO_ROOT } from './bundling.ts';

interface LoaFunctionProps {
  /** The wiring's function name. */
  name: string;
  spec: FunctionSpec;
  /** Physical function name (stage-qualified). */
  functionName: string;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/**
 * One wiring function as a Lambda with the team defaults: Node.js 22 on arm64, bundled by the
 * local esbuild as minified ESM with source maps, X-Ray off, its own log group, and its own
 * role that starts with nothing but writing to that log group (no AWS managed policy).
 */
export class LoaFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: LoaFunctionProps) {
    super(scope, id);
    const { spec } = props;
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Loa ${props.name} function`,
    });
    // What AWSLambdaBasicExecutionRole grants, narrowed to this function's log group.
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.fn = new NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      description: `Loa ${props.name} (${spec.entry})`,
      entry: join(REPO_ROOT, spec.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      ...(spec.reservedConcurrency !== undefined && {
        reservedConcurrentExecutions: spec.reservedConcurrency,
      }),
      role: this.role,
      logGroup: this.logGroup,
      // Off: active tracing without the SDK instrumented (Powertools Tracer would put
      // aws-xray-sdk-core in every bundle, past the 1 MB limit for package) shows only the
      // invocation, which the logs' request ids and the metrics already give.
      tracing: Tracing.DISABLED,
      environment: { ...props.environment, NODE_OPTIONS: LAMBDA_NODE_OPTIONS },
      bundling: cdkBundling(),
    });
  }
}
