import { Logger } from '@aws-lambda-powertools/logger';
import type { Deps } from '#app/deps.ts';
import { type Config, configFromEnv } from '#config/config.ts';
import { systemClock } from '#ports/clock.ts';
import { NodeHttpClient } from '../../channels/node-http-client.ts';
import { type ClientHook, watched } from '../client-options.ts';
import { DynamoAgreementHistory } from '../dynamo-agreement-history.ts';
import { DynamoAgreementStore } from '../dynamo-agreement-store.ts';
import { DynamoCircuitStore } from '../dynamo-circuit-store.ts';
import { dynamoClient } from '../dynamo-client.ts';
import type { Table } from '../dynamo-commands.ts';
import { DynamoDeliveryQueries } from '../dynamo-delivery-queries.ts';
import { DynamoDeliveryStore } from '../dynamo-delivery-store.ts';
import { DynamoFeedIndex } from '../dynamo-feed-index.ts';
import { DynamoJobStore } from '../dynamo-job-store.ts';
import { DynamoRejectionStore } from '../dynamo-rejection-store.ts';
import { DynamoReplayLog } from '../dynamo-replay-log.ts';
import { DynamoRoutingLog } from '../dynamo-routing-log.ts';
import { DynamoWithdrawalStore } from '../dynamo-withdrawal-store.ts';
import { KIT_PORTS, notWired, type PortKit } from './kit.ts';

/** Every store kept in the one table, each over `table`. */
export function dynamoStores(table: Table, retentionDays?: number, now?: () => number) {
  return {
    agreements: new DynamoAgreementStore(table),
    history: new DynamoAgreementHistory(table),
    deliveries: new DynamoDeliveryStore(table, { retentionDays, ...(now && { now }) }),
    deliveryQueries: new DynamoDeliveryQueries(table),
    feedIndex: new DynamoFeedIndex(table),
    withdrawals: new DynamoWithdrawalStore(table),
    routing: new DynamoRoutingLog(table),
    replays: new DynamoReplayLog(table),
    rejections: new DynamoRejectionStore(table),
    jobStore: new DynamoJobStore(table),
    circuits: new DynamoCircuitStore(table),
  };
}

/** The ports no kit was given for: each throws on use, naming its kit. */
function unwired() {
  const ports: Partial<Deps> = {};
  for (const [kit, names] of Object.entries(KIT_PORTS) as [
    keyof typeof KIT_PORTS,
    readonly (keyof Deps)[],
  ][]) {
    for (const port of names) Object.assign(ports, { [port]: notWired(port, kit) });
  }
  return ports;
}

/**
 * Deps over the one table (every function reads it) and the given kits' clients only: a function's
 * bundle imports only the SDK packages of the kits its handler names.
 */
export function assembleDeps(
  config: Config,
  kits: readonly PortKit[],
  overrides: Partial<Deps> = {},
  hook?: ClientHook,
): Deps {
  const dynamo = watched('dynamo', dynamoClient(config.region, config.endpoints.dynamodb), hook);
  // The stores read the deps' clock (an override's, in tests), once the deps exist.
  const now = () => deps.clock.now().getTime();
  const deps: Deps = {
    config,
    ...dynamoStores({ client: dynamo, tableName: config.tableName }, config.retentionDays, now),
    ...(unwired() as Pick<Deps, 'packages' | 'facts' | 'queue' | 'jobs' | 'publisher' | 'secrets'>),
    ...Object.assign({}, ...kits.map((kit) => kit(config, hook))),
    // The SSRF guard sits where connections are made (see shared/domain/target-policy.ts).
    http: new NodeHttpClient({ allowPrivateTargets: config.allowPrivateTargets }),
    clock: systemClock,
    // Powertools reads POWERTOOLS_SERVICE_NAME itself when it is set.
    logger: new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'loa' }),
    ...overrides,
  };
  return deps;
}

/** A Lambda handler's deps from its environment, with the kits it uses, built once on first use. */
export function lambdaDeps(...kits: PortKit[]): () => Deps {
  let memo: Deps | undefined;
  return () => {
    memo ??= assembleDeps(configFromEnv(process.env), kits);
    return memo;
  };
}
