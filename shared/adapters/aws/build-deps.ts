import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Deps } from '#app/deps.ts';
import { type Config, configFromEnv } from '#config/config.ts';
import { systemClock } from '#ports/clock.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import { NodeHttpClient } from '../channels/node-http-client.ts';
import { FileSecretStore } from '../file-secret-store.ts';
import { awsClients, type ClientHook } from './clients.ts';
import { DynamoAgreementHistory } from './dynamo-agreement-history.ts';
import { DynamoAgreementStore } from './dynamo-agreement-store.ts';
import { DynamoCircuitStore } from './dynamo-circuit-store.ts';
import type { Table } from './dynamo-commands.ts';
import { DynamoDeliveryQueries } from './dynamo-delivery-queries.ts';
import { DynamoDeliveryStore } from './dynamo-delivery-store.ts';
import { DynamoFeedIndex } from './dynamo-feed-index.ts';
import { DynamoJobStore } from './dynamo-job-store.ts';
import { DynamoRejectionStore } from './dynamo-rejection-store.ts';
import { DynamoReplayLog } from './dynamo-replay-log.ts';
import { DynamoRoutingLog } from './dynamo-routing-log.ts';
import { DynamoWithdrawalStore } from './dynamo-withdrawal-store.ts';
import { EventBridgePublisher } from './eventbridge-publisher.ts';
import { S3FactLedger } from './s3-fact-ledger.ts';
import { S3PackageStore } from './s3-package-store.ts';
import { SecretsManagerStore } from './secrets-manager-store.ts';
import { SqsJobQueue } from './sqs-job-queue.ts';
import { SqsWorkQueue } from './sqs-work-queue.ts';

function secretStore(config: Config): SecretStore {
  if (config.secrets.startsWith('file:')) return new FileSecretStore(config.secrets.slice('file:'.length));
  return new SecretsManagerStore({ client: new SecretsManagerClient({ region: config.region }) });
}

/** Every store kept in the one table, each over `table`. */
export function dynamoStores(table: Table) {
  return {
    agreements: new DynamoAgreementStore(table),
    history: new DynamoAgreementHistory(table),
    deliveries: new DynamoDeliveryStore(table),
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

/** Wires every port to its adapter for one configuration (Lambda's environment, or the local runtime's). */
export function buildDeps(config: Config, overrides: Partial<Deps> = {}, hook?: ClientHook): Deps {
  const clients = awsClients(config, hook);
  const table = { client: clients.dynamo, tableName: config.tableName };
  return {
    config,
    ...dynamoStores(table),
    jobs: new SqsJobQueue({ client: clients.sqs, queueUrl: config.queueUrls.replay }),
    packages: new S3PackageStore({ s3: clients.s3, bucket: config.packagesBucket }),
    // The ledger shares the packages bucket, under facts/ (docs/reports.md).
    facts: new S3FactLedger({ s3: clients.s3, bucket: config.packagesBucket }),
    publisher: new EventBridgePublisher({ client: clients.events, busName: config.busName }),
    queue: new SqsWorkQueue({ client: clients.sqs, queueUrls: config.queueUrls }),
    secrets: secretStore(config),
    // The SSRF guard sits where connections are made (see shared/domain/target-policy.ts).
    http: new NodeHttpClient({ allowPrivateTargets: config.allowPrivateTargets }),
    clock: systemClock,
    // Powertools reads POWERTOOLS_SERVICE_NAME itself when it is set.
    logger: new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'loa' }),
    ...overrides,
  };
}

let memo: Deps | undefined;

/** Deps from the Lambda environment, built once per cold start on first use. */
export function depsFromEnv(): Deps {
  memo ??= buildDeps(configFromEnv(process.env));
  return memo;
}
