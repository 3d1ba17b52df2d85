/**
 * Least privilege: no `*` action or resource outside a short allow-list, and each function's role
 * holds exactly what its capabilities in ACCESS (and its place in the wiring) call for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableDefinition } from '#adapters/aws/table.ts';
import { ACCESS, type Capability } from '#infra/stacks/access.ts';
import { FUNCTIONS, QUEUES, SUBSCRIPTIONS } from '#infra/wiring.ts';
import {
  type CfnResource,
  getAtt,
  logicalId,
  resourcesOf,
  type Synth,
  synthLoa,
  TEMPLATE_ONLY,
} from './synth.ts';

let s: Synth;
beforeAll(() => {
  s = synthLoa(TEMPLATE_ONLY);
});
afterAll(() => s?.dispose());

/** Actions that support no resource narrower than `*`, with the reason. */
const STAR_RESOURCE_ALLOWED: Record<string, string> = {};

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
}
const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** Every policy document in the template, with where it is and whether it is a KMS key policy. */
function policyDocuments(): { where: string; keyPolicy: boolean; statements: Statement[] }[] {
  const docs: { where: string; keyPolicy: boolean; statements: Statement[] }[] = [];
  for (const [id, r] of Object.entries(s.json.Resources)) {
    const p = r.Properties ?? {};
    const add = (doc: unknown, where: string, keyPolicy = false) => {
      if (doc)
        docs.push({ where, keyPolicy, statements: list((doc as { Statement: Statement[] }).Statement) });
    };
    add(p.PolicyDocument, `${r.Type} ${id}`);
    if (r.Type === 'AWS::KMS::Key') add(p.KeyPolicy, `${r.Type} ${id}`, true);
    if (r.Type === 'AWS::IAM::Role') {
      for (const inline of list(p.Policies as { PolicyDocument: unknown }[]))
        add(inline.PolicyDocument, `${id} inline`);
    }
  }
  return docs;
}

/** A function's permissions as `action on resource` lines, from every policy attached to its role. */
function permissionsOf(name: string): string[] {
  const fn = s.stack.functions[name];
  if (!fn) throw new Error(`no function ${name}`);
  const roleId = logicalId(fn.role);
  const lines: string[] = [];
  for (const r of Object.values(s.json.Resources) as CfnResource[]) {
    const p = r.Properties ?? {};
    if (
      r.Type !== 'AWS::IAM::Policy' ||
      !list(p.Roles as unknown[]).some((x) => JSON.stringify(x) === JSON.stringify({ Ref: roleId }))
    )
      continue;
    for (const st of list((p.PolicyDocument as { Statement: Statement[] }).Statement)) {
      for (const action of list(st.Action))
        for (const res of list(st.Resource)) lines.push(`${action} on ${JSON.stringify(res)}`);
    }
  }
  return lines.sort();
}

const on = (actions: string[], resource: unknown) =>
  actions.map((a) => `${a} on ${JSON.stringify(resource)}`);
const join = (base: unknown, suffix: string) => ({ 'Fn::Join': ['', [base, suffix]] });
const secretsNamed = (name: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':secretsmanager:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:secret:${name}`,
    ],
  ],
});
const SECRETS = secretsNamed('loa/agreements/*');

/** What each capability must become, written out independently of the stack's grant code. */
function expectedFor(cap: Capability): string[] {
  const { table, contentBucket, packagesBucket } = s.stack.storage;
  // The table and buckets live in the stateful stack: the functions' policies reference them across.
  const tableArn = getAtt(table, 'Arn', s.stack);
  switch (cap) {
    case 'table:get':
      return on(['dynamodb:GetItem', 'dynamodb:BatchGetItem'], tableArn);
    case 'table:query':
      return [
        ...on(['dynamodb:Query'], tableArn),
        ...tableDefinition('x').GlobalSecondaryIndexes.flatMap((i) =>
          on(['dynamodb:Query'], join(tableArn, `/index/${i.IndexName}`)),
        ),
      ];
    case 'table:put':
      return on(['dynamodb:PutItem'], tableArn);
    case 'table:update':
      return on(['dynamodb:UpdateItem'], tableArn);
    case 'content:read':
      return on(['s3:GetObject', 's3:GetObjectTagging'], join(getAtt(contentBucket, 'Arn', s.stack), '/*'));
    case 'content:list':
      return on(['s3:ListBucket'], getAtt(contentBucket, 'Arn', s.stack));
    case 'packages:read':
      return on(['s3:GetObject'], join(getAtt(packagesBucket, 'Arn', s.stack), '/packages/*'));
    case 'packages:write':
      return on(
        ['s3:PutObject', 's3:PutObjectTagging'],
        join(getAtt(packagesBucket, 'Arn', s.stack), '/packages/*'),
      );
    case 'facts:read':
      return on(['s3:GetObject'], join(getAtt(packagesBucket, 'Arn', s.stack), '/facts/*'));
    case 'facts:list':
      // Conditioned on the facts/ prefix (checked below); the resource is the bucket.
      return on(['s3:ListBucket'], getAtt(packagesBucket, 'Arn', s.stack));
    case 'facts:write':
      return on(
        ['s3:PutObject', 's3:DeleteObject'],
        join(getAtt(packagesBucket, 'Arn', s.stack), '/facts/*'),
      );
    case 'packages:list':
      return on(['s3:ListBucket'], getAtt(packagesBucket, 'Arn', s.stack));
    case 'bus:publish':
      return on(['events:PutEvents'], getAtt(s.stack.bus));
    case 'secrets:read':
      return on(['secretsmanager:GetSecretValue'], SECRETS);
    case 'secrets:write':
      return on(['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue'], SECRETS);
    case 'secrets:signing-master-key':
      // The one master signing key, by name and Secrets Manager's six-character suffix: no `*`.
      return on(['secretsmanager:GetSecretValue'], secretsNamed('loa/master-signing-key-??????'));
    case 'secrets:feed-master-key':
      // The one master feed key, the same way.
      return on(['secretsmanager:GetSecretValue'], secretsNamed('loa/master-feed-key-??????'));
    case 'secrets:renew-credentials':
      // Written back only where social channels keep their network credentials.
      return on(['secretsmanager:PutSecretValue'], secretsNamed('loa/agreements/*/channels/*/credentials*'));
    case 'ingest:assume-role':
      // Any account (partners' own), but only roles named loa-ingest-*.
      return on(['sts:AssumeRole'], {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/loa-ingest-*']],
      });
    default: {
      const queue = s.stack.workQueues[cap.slice('queue:send:'.length)];
      if (!queue) throw new Error(`no queue for ${cap}`);
      return on(['sqs:SendMessage'], getAtt(queue.queue));
    }
  }
}

/** What a function gets from its place in the wiring rather than from ACCESS. */
function impliedFor(name: string): string[] {
  const fn = s.stack.functions[name];
  if (!fn) throw new Error(`no function ${name}`);
  const consumed = QUEUES.filter((q) => q.consumer === name).flatMap((q) => {
    const queue = s.stack.workQueues[q.name];
    if (!queue) throw new Error(`no queue ${q.name}`);
    return on(
      [
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
      ],
      getAtt(queue.queue),
    );
  });
  const subscriber = SUBSCRIPTIONS.some((x) => x.target === name)
    ? on(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], getAtt(s.stack.busDeadLetters))
    : [];
  return [
    ...on(['logs:CreateLogStream', 'logs:PutLogEvents'], getAtt(fn.logGroup)),
    ...consumed,
    ...subscriber,
  ];
}

describe('wildcards', () => {
  it('allows no `*` action anywhere, and no `*` resource outside the allow-list and key policies', () => {
    const offences: string[] = [];
    for (const doc of policyDocuments()) {
      for (const st of doc.statements.filter((x) => x.Effect === 'Allow')) {
        const actions = list(st.Action);
        if (st.NotAction || st.NotResource) offences.push(`${doc.where}: NotAction/NotResource in an Allow`);
        if (actions.includes('*')) offences.push(`${doc.where}: Action '*'`);
        // In a key policy, Resource '*' means the key itself.
        const starResource = list(st.Resource).includes('*') && !doc.keyPolicy;
        const unlisted = actions.filter((a) => !(a in STAR_RESOURCE_ALLOWED));
        if (starResource && unlisted.length)
          offences.push(`${doc.where}: Resource '*' for ${unlisted.join(', ')}`);
      }
    }

    expect(policyDocuments().length).toBeGreaterThan(Object.keys(FUNCTIONS).length);
    expect(offences).toEqual([]);
  });

  it.each(Object.keys(FUNCTIONS))(
    'names every action of %s exactly (no service or prefix wildcards)',
    (name) => {
      expect(permissionsOf(name).filter((line) => line.split(' on ')[0]?.includes('*'))).toEqual([]);
    },
  );
});

describe('per function', () => {
  it.each(Object.keys(FUNCTIONS))(
    'gives %s exactly its capabilities, logs, tracing and what its wiring implies',
    (name) => {
      const caps = ACCESS[name as keyof typeof ACCESS];
      if (!caps) throw new Error(`function ${name} has no IAM entry in ACCESS`);
      const expected = [...caps.flatMap(expectedFor), ...impliedFor(name)].sort();

      expect(permissionsOf(name)).toEqual([...new Set(expected)].sort());
    },
  );

  const holders = (action: string) =>
    Object.keys(FUNCTIONS).filter((n) => permissionsOf(n).some((l) => l.startsWith(`${action} on`)));

  it('lets only ops create or overwrite partner secrets, and deliver-social renew network tokens only', () => {
    expect(holders('secretsmanager:CreateSecret')).toEqual(['ops']);
    expect(holders('secretsmanager:PutSecretValue').sort()).toEqual(['deliver-social', 'ops']);
    expect(
      permissionsOf('deliver-social').filter((l) => l.startsWith('secretsmanager:PutSecretValue')),
    ).toEqual([
      `secretsmanager:PutSecretValue on ${JSON.stringify(secretsNamed('loa/agreements/*/channels/*/credentials*'))}`,
    ]);
  });

  it('lets only package read the content bucket and write packages', () => {
    expect(holders('s3:GetObjectTagging')).toEqual(['package']);
    const packagesWriters = Object.keys(FUNCTIONS).filter((n) =>
      permissionsOf(n).some((l) => l.startsWith('s3:PutObject on') && l.includes('/packages/*')),
    );
    expect(packagesWriters).toEqual(['package']);
  });

  it('lets only ops and seal-facts write the fact ledger, under facts/ only', () => {
    const factWriters = Object.keys(FUNCTIONS).filter((n) =>
      permissionsOf(n).some((l) => l.startsWith('s3:PutObject on') && l.includes('/facts/*')),
    );
    expect(factWriters.sort()).toEqual(['ops', 'seal-facts']);
    // Deleting (a compacted month's day objects) is theirs alone too, and only under facts/.
    const deletes = Object.keys(FUNCTIONS).flatMap((n) =>
      permissionsOf(n)
        .filter((l) => l.startsWith('s3:DeleteObject on'))
        .map((l) => ({ n, facts: l.includes('/facts/*') })),
    );
    expect(deletes.sort((a, b) => a.n.localeCompare(b.n))).toEqual([
      { n: 'ops', facts: true },
      { n: 'seal-facts', facts: true },
    ]);
    // The sealer reads a closing month's day objects back.
    expect(
      permissionsOf('seal-facts').some((l) => l.startsWith('s3:GetObject on') && l.includes('/facts/*')),
    ).toBe(true);
    const listings = (Object.values(s.json.Resources) as CfnResource[])
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) =>
        list((r.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement),
      )
      .filter((st) => list(st.Action).includes('s3:ListBucket') && JSON.stringify(st).includes('Packages'));
    // Packaging's own listing (packages:list, so an unpackaged version is a 404) is the one without a prefix.
    const conditioned = listings.filter((st) => (st as { Condition?: unknown }).Condition !== undefined);
    expect(listings.length - conditioned.length).toBe(1);
    expect(conditioned.length).toBe(2);
    for (const st of conditioned)
      expect((st as { Condition?: unknown }).Condition).toEqual({ StringLike: { 's3:prefix': ['facts/*'] } });
  });

  it('grants secret reads on the agreement secrets prefix and the two master keys only', () => {
    const reads = Object.keys(FUNCTIONS).flatMap((n) =>
      permissionsOf(n).filter((l) => l.startsWith('secretsmanager:')),
    );

    const credentials = `on ${JSON.stringify(secretsNamed('loa/agreements/*/channels/*/credentials*'))}`;
    const masters = ['loa/master-signing-key-??????', 'loa/master-feed-key-??????'].map(
      (name) => `secretsmanager:GetSecretValue on ${JSON.stringify(secretsNamed(name))}`,
    );
    expect(reads.length).toBeGreaterThan(0);
    expect(
      reads.filter(
        (l) =>
          !l.endsWith(`on ${JSON.stringify(SECRETS)}`) && !l.endsWith(credentials) && !masters.includes(l),
      ),
    ).toEqual([]);
  });

  it('lets only ops and the webhook and broadcast workers read the master signing key', () => {
    const readers = Object.keys(FUNCTIONS).filter((n) =>
      permissionsOf(n).some((l) => l.includes('master-signing-key')),
    );
    expect(readers.sort()).toEqual(['deliver-broadcast', 'deliver-webhook', 'ops']);
  });

  it('lets only ops, the feed and asset endpoints and the workers that sign asset links (webhook, social) read the master feed key', () => {
    const readers = Object.keys(FUNCTIONS).filter((n) =>
      permissionsOf(n).some((l) => l.includes('master-feed-key')),
    );
    expect(readers.sort()).toEqual(['assets', 'deliver-social', 'deliver-webhook', 'feeds', 'ops']);
  });

  it('keeps the public feed and asset endpoints from the key every webhook secret is derived from', () => {
    for (const name of ['feeds', 'assets']) {
      const secretReads = permissionsOf(name).filter((l) => l.startsWith('secretsmanager:GetSecretValue'));
      expect(
        secretReads.some((l) => l.includes('master-feed-key')),
        name,
      ).toBe(true);
      expect(
        secretReads.filter((l) => l.includes('master-signing-key')),
        name,
      ).toEqual([]);
      // Nor a pattern that would match it: every secret read is under loa/agreements/ or the feed master.
      expect(
        secretReads.filter((l) => !l.includes('loa/agreements/') && !l.includes('master-feed-key')),
        name,
      ).toEqual([]);
    }
  });

  it('keeps the asset and feed endpoints, which anyone may call, from writing anything but counters', () => {
    for (const name of ['assets', 'feeds'].filter((n) => n in FUNCTIONS)) {
      const writes = permissionsOf(name).filter((l) =>
        /^(dynamodb:(PutItem|DeleteItem)|s3:Put|sqs:Send|events:|secretsmanager:(Create|Put))/.test(l),
      );
      expect(writes, name).toEqual([]);
    }
  });
});

describe('the master keys', () => {
  it('are two secrets of the stateful stack, each with a generated value, kept on delete', () => {
    const secrets = resourcesOf(s.statefulJson, 'AWS::SecretsManager::Secret').map(([, r]) => ({
      name: r.Properties?.Name,
      generated: r.Properties?.GenerateSecretString,
      onDelete: r.DeletionPolicy,
    }));
    const generated = {
      SecretStringTemplate: '{}',
      GenerateStringKey: '1',
      PasswordLength: 44,
      ExcludePunctuation: true,
    };

    expect(secrets.sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual([
      { name: 'loa/master-feed-key', generated, onDelete: 'Retain' },
      { name: 'loa/master-signing-key', generated, onDelete: 'Retain' },
    ]);
  });
});
