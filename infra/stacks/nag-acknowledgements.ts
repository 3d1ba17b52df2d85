/**
 * Every cdk-nag (AwsSolutions) finding Loa accepts, each acknowledged on the narrowest construct
 * with the exact finding id and a one-line reason. Listed in docs/aws.md.
 */
import { App, type CfnElement, CfnOutput, Stack, Validations } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';
import {
  CREDENTIALS_SECRETS,
  INGEST_ROLE_PREFIX,
  PACKAGES_KEY_PREFIX,
  SECRET_NAME_PREFIX,
} from '#infra/constructs/grants.ts';
import type { LoaHttpApi } from '#infra/constructs/http-api.ts';
import type { LoaFunction } from '#infra/constructs/loa-function.ts';
import type { Storage } from '#infra/constructs/storage.ts';
import type { AccessTable } from './access.ts';

interface NagScope {
  storage: Storage;
  functions: Readonly<Record<string, LoaFunction>>;
  access: AccessTable;
  api: LoaHttpApi;
  busDeadLetters: IConstruct;
}

/**
 * How cdk-nag spells the ARN of a construct's resource as `consumer`'s stack sees it: `<Id.Arn>`
 * within one stack, and also before synthesis resolves references; across stacks, after it, the
 * weak reference (cdk.json's defaultCrossStackReferences) that CDK renders as `Fn::GetStackOutput`
 * of an output it publishes in the producer's stack. Both spellings name the same finding.
 */
function arnOf(construct: IConstruct, consumer: IConstruct): string[] {
  const producer = Stack.of(construct);
  const cfn = construct.node.defaultChild as CfnElement;
  const local = `<${producer.getLogicalId(cfn)}.Arn>`;
  if (producer === Stack.of(consumer)) return [local];
  // CDK names that output `Publish/Output<the reference as JSON>`; its logical id depends only
  // on that path, so a throwaway stack allocates the same one.
  const reference = JSON.stringify(producer.resolve({ 'Fn::GetAtt': [producer.getLogicalId(cfn), 'Arn'] }));
  const scratch = new Stack(new App({ autoSynth: false }), 'Scratch');
  const output = new CfnOutput(new Construct(scratch, 'Publish'), `Output${reference}`, { value: '' });
  const outputName = scratch.getLogicalId(output);
  const imported = JSON.stringify({
    'Fn::GetStackOutput': {
      StackName: producer.stackName,
      Region: { Ref: 'AWS::Region' },
      OutputName: outputName,
    },
  });
  return [local, imported];
}

/** secretArnPattern() as cdk-nag flattens it. */
const SECRETS_PATTERN = `arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${SECRET_NAME_PREFIX}*`;

function ack(construct: IConstruct, id: string, reason: string): void {
  Validations.of(construct).acknowledge({ id, reason });
}

/** Acknowledges, on each construct, exactly the findings its configuration produces. */
export function acknowledgeNagFindings(s: NagScope): void {
  const { storage } = s;
  for (const [name, fn] of Object.entries(s.functions)) {
    const caps = s.access[name] ?? [];
    const iam5 = (resources: string | string[], reason: string) => {
      for (const resource of [resources].flat())
        ack(fn.role, `AwsSolutions-IAM5[Resource::${resource}]`, reason);
    };
    const objectsOf = (bucket: IConstruct, suffix: string) =>
      arnOf(bucket, fn).map((arn) => `${arn}/${suffix}`);
    if (caps.includes('content:read')) {
      iam5(
        objectsOf(storage.contentBucket, '*'),
        'assets may sit anywhere in the CMS content bucket; read-only',
      );
    }
    if (caps.some((c) => c === 'packages:read' || c === 'packages:write')) {
      iam5(
        objectsOf(storage.packagesBucket, `${PACKAGES_KEY_PREFIX}*`),
        'package objects are keyed by article and version under packages/',
      );
    }
    if (caps.some((c) => c === 'facts:read' || c === 'facts:write')) {
      iam5(
        objectsOf(storage.packagesBucket, 'facts/*'),
        'fact ledger objects are keyed by agreement and month or day under facts/ (docs/reports.md)',
      );
    }
    if (caps.some((c) => c.startsWith('secrets:'))) {
      iam5(SECRETS_PATTERN, 'secret ARNs end in a random suffix, so a name prefix needs a trailing wildcard');
    }
    if (caps.includes('secrets:renew-credentials')) {
      iam5(
        SECRETS_PATTERN.replace(`${SECRET_NAME_PREFIX}*`, CREDENTIALS_SECRETS),
        "only social channels' credentials secrets; the suffix wildcard is Secrets Manager's random ARN suffix",
      );
    }
    if (caps.includes('ingest:assume-role')) {
      iam5(
        `arn:<AWS::Partition>:iam::*:role/${INGEST_ROLE_PREFIX}*`,
        "partners' accounts are not known at deploy time; only roles named loa-ingest-*, and each partner's trust policy requires the agreement id as external id",
      );
    }
    ack(
      fn.fn,
      'AwsSolutions-L1',
      'Node.js 22 is the runtime Loa targets and tests on (see STACK.md); 24 is a later upgrade',
    );
  }
  for (const route of s.api.publicRoutes) {
    ack(
      route,
      'AwsSolutions-APIG4',
      'public by design: the handler checks the URL signature (HMAC, expiry, key id)',
    );
  }
  ack(
    s.busDeadLetters,
    'AwsSolutions-SQS3',
    'this queue is the dead-letter queue of the bus rules and async invocations',
  );
}
