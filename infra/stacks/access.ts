/**
 * What each function may touch on AWS, keyed by the wiring's function names. The stack turns each
 * capability into one least-privilege IAM statement (infra/constructs/grants.ts); consuming a
 * queue is implied by being its consumer in the wiring and is granted with the event source.
 */
import type { FunctionName, QueueName } from '#infra/wiring.ts';

/** Every capability with the IAM it becomes; docs/aws.md renders this. */
const CAPABILITIES = {
  'table:get':
    'dynamodb:GetItem, dynamodb:BatchGetItem on the table (items by key, one or up to 100 a request)',
  'table:query': 'dynamodb:Query on the table and each of its indexes',
  'table:put': 'dynamodb:PutItem on the table',
  'table:update': 'dynamodb:UpdateItem on the table',
  'content:read': 's3:GetObject, s3:GetObjectTagging on content objects',
  'content:list': 's3:ListBucket on the content bucket (so a missing asset is a 404, not a 403)',
  'packages:read': 's3:GetObject on packages/*',
  'packages:list': 's3:ListBucket on the packages bucket (so a version not packaged yet is a 404, not a 403)',
  'packages:write': 's3:PutObject, s3:PutObjectTagging on packages/*',
  'facts:read': 's3:GetObject on facts/* in the packages bucket (the fact ledger, docs/reports.md)',
  'facts:list': 's3:ListBucket on the packages bucket, for keys under facts/ only',
  'facts:write':
    's3:PutObject, s3:DeleteObject on facts/* in the packages bucket (days sealed, months compacted, their days dropped)',
  'bus:publish': 'events:PutEvents on the bus',
  'secrets:read': 'secretsmanager:GetSecretValue on loa/agreements/*',
  'secrets:write': 'secretsmanager:CreateSecret, secretsmanager:PutSecretValue on loa/agreements/*',
  'secrets:renew-credentials':
    'secretsmanager:PutSecretValue on loa/agreements/*/channels/*/credentials (a refreshed network token)',
  'secrets:signing-master-key':
    'secretsmanager:GetSecretValue on loa/master-signing-key (webhook and broadcast signing secrets are derived from it)',
  'secrets:feed-master-key':
    'secretsmanager:GetSecretValue on loa/master-feed-key (feed keys: feed URLs and asset links are signed with keys derived from it)',
  'ingest:assume-role':
    "sts:AssumeRole on roles named loa-ingest-* in any account (a partner's ingest role; external id = agreement id)",
} as const;

export type Capability = keyof typeof CAPABILITIES | `queue:send:${QueueName}`;

/** Sending to every pushed channel's queue: what routing, withdrawals, replays and the sweeper need. */
const PUSH_QUEUES = ['queue:send:webhook', 'queue:send:broadcast', 'queue:send:social'] as const;

/**
 * What every delivery function needs: the delivery, its agreement and the article's other deliveries
 * (GetItem, Query), the outcome and its audit (UpdateItem, PutItem), the manifest and the secrets.
 */
const DELIVER = [
  'table:get',
  'table:query',
  'table:put',
  'table:update',
  'packages:read',
  'secrets:read',
] as const;

/** Capabilities by function name, as the stack reads them (tests pass variants). */
export type AccessTable = Readonly<Partial<Record<string, readonly Capability[]>>>;

/**
 * Derived from the handlers' use cases and the adapters' SDK calls. Partial on purpose: a function
 * added to the wiring without an entry here fails synthesis (and test/infra) with its name, rather
 * than deploying with no permissions.
 */
export const ACCESS: Partial<Record<FunctionName, readonly Capability[]>> = {
  // CopyObject reads the source and writes the copy; HeadObject of the copy needs GetObject;
  // rejected events are recorded with one PutItem; the article's withdrawal marker is one GetItem.
  // The stored manifest of the version is read first (a re-approval is compared with it), and every
  // asset is read through SHA-256: a missing manifest must be a 404, hence the list grant.
  package: [
    'content:read',
    'content:list',
    'packages:read',
    'packages:list',
    'packages:write',
    'bus:publish',
    'table:get',
    'table:put',
  ],
  // Lists active agreements and the article's earlier deliveries (Query), reads its withdrawal marker
  // (GetItem), writes routing records, deliveries and rejections (PutItem); discards older versions
  // still waiting and replaces older feed entries (UpdateItem).
  route: ['table:get', 'table:query', 'table:put', 'table:update', ...PUSH_QUEUES],
  // Reads the delivery and agreement, records the outcome (UpdateItem), reads the manifest and the
  // secrets, re-enqueues retries on its own queue and publishes outcome events. The article's other
  // deliveries (Query) before a retry or replay (never an older version after a newer one); the
  // shared circuit of the endpoint (GetItem, PutItem on a transition). A probe that resumes a paused
  // endpoint starts its catch-up job (job item and audit PutItem, the first run on the replay queue).
  // Signs with secrets derived from the signing master key; the body's asset links are signed with the
  // agreement's feed key (shared/formats/webhook-payload.ts), derived from the feed master key.
  'deliver-webhook': [
    ...DELIVER,
    'secrets:signing-master-key',
    'secrets:feed-master-key',
    'queue:send:webhook',
    'queue:send:replay',
    'bus:publish',
  ],
  // The same, plus the partner's ingest: the bucket through the partner's role (its own grant), or
  // an HTTP endpoint (no IAM). Media is read from packages/* and streamed: no asset link, no feed key.
  'deliver-broadcast': [
    ...DELIVER,
    'secrets:signing-master-key',
    'queue:send:broadcast',
    'queue:send:replay',
    'bus:publish',
    'ingest:assume-role',
  ],
  // Network credentials from the secret store (a refreshed token is written back to it); posts are
  // HTTPS calls (no IAM). Zalo's cover is a signed asset link: the feed key is derived from the feed
  // master key (never the signing master: no social channel signs with a webhook secret).
  'deliver-social': [
    ...DELIVER,
    'secrets:feed-master-key',
    'secrets:renew-credentials',
    'queue:send:social',
    'queue:send:replay',
    'bus:publish',
  ],
  // Agreements (Get, Query, Put, including key rotation), delivery listings, replays (UpdateItem +
  // audit PutItem + enqueue); creates agreement secrets and feed keys, reads keys to mint feed URLs.
  ops: [
    'table:get',
    'table:query',
    'table:put',
    'table:update',
    'secrets:read',
    'secrets:write',
    // Derives a generated or rotated signing secret (shown once) from the signing master key, and
    // the feed keys it mints feed URLs with from the feed master key.
    'secrets:signing-master-key',
    'secrets:feed-master-key',
    ...PUSH_QUEUES,
    // Starts bulk replays and backfills (the job item is a PutItem; the first run is a message).
    'queue:send:replay',
    // Reports read the fact ledger; POST /ops/reports/seal seals settled days and compacts closed months now.
    'facts:read',
    'facts:list',
    'facts:write',
  ],
  // Checks the signature with the agreement's key (derived from the feed master key; a key from before
  // derived feed keys is read from loa/agreements/*), counts the download on the delivery
  // (UpdateItem), then presigns a GET of the package object. Anyone may call it: it cannot read the
  // signing master key, so a compromise here forges no partner's webhooks.
  assets: ['table:get', 'table:update', 'secrets:read', 'secrets:feed-master-key', 'packages:read'],
  // Checks the signature, pages the agreement's feed index (Query), records the first pull
  // (UpdateItem), reads manifests for item bodies and signs asset links with the feed key (derived
  // from the feed master key, or stored for a key from before). Public too: no signing master key.
  feeds: [
    'table:get',
    'table:query',
    'table:update',
    'secrets:read',
    'secrets:feed-master-key',
    'packages:read',
  ],
  // Writes the article's withdrawal marker and takedown notices (PutItem), finds the article's
  // deliveries (Query on the article index), tombstones the feed ones and discards unsent webhook ones
  // (UpdateItem, GetItem when one moved meanwhile), enqueues the notices; rejections are one PutItem.
  withdraw: ['table:get', 'table:query', 'table:update', 'table:put', ...PUSH_QUEUES],
  // Reads every agreement's open list, its items back from the table (BatchGetItem: the index projects
  // less than the item), and re-enqueues what no message holds.
  sweep: ['table:get', 'table:query', ...PUSH_QUEUES],
  // Bulk replay and backfill runs: reads and advances the job item (GetItem, PutItem guarded by seq),
  // lists deliveries and routing records (Query), reopens deliveries (UpdateItem) or creates them
  // (PutItem, backfill), enqueues their attempts and queues its own next run.
  replay: ['table:get', 'table:query', 'table:put', 'table:update', ...PUSH_QUEUES, 'queue:send:replay'],
  // Lists agreements and their deliveries and routing records (Query), reads routing records (GetItem),
  // lists the sealed months and days, writes new days, reads a closing month's days back to write the
  // month whole, then deletes them.
  'seal-facts': ['table:get', 'table:query', 'facts:list', 'facts:read', 'facts:write'],
};

/** The IAM-per-function table of docs/aws.md, generated so the docs cannot drift from the stack. */
export function accessTableMarkdown(access: AccessTable = ACCESS): string {
  const rows = Object.entries(access).map(
    ([fn, caps]) => `| \`${fn}\` | ${(caps ?? []).map((c) => `\`${c}\``).join(', ')} |`,
  );
  return ['| function | capabilities |', '|---|---|', ...rows].join('\n');
}
