import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDeliveryStore } from '#adapters/aws/dynamo-delivery-store.ts';
import { EventBridgePublisher, PublishError } from '#adapters/aws/eventbridge-publisher.ts';
import { SecretsManagerStore } from '#adapters/aws/secrets-manager-store.ts';
import { EnqueueError, SqsWorkQueue } from '#adapters/aws/sqs-work-queue.ts';
import type { OutcomeWrite } from '#ports/delivery-store.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';

const named = (name: string, message = name) => Object.assign(new Error(message), { name });

/** A first attempt's delivered outcome, as the delivery worker writes it. */
const DELIVERED: OutcomeWrite = {
  status: 'delivered',
  attempt: { n: 1, at: '2025-01-01T00:00:00Z', trigger: 'scheduled', outcome: 'delivered', durationMs: 1 },
};

describe('SDK faults at the adapters', () => {
  const mocks: { reset(): void }[] = [];
  afterEach(() => {
    for (const m of mocks.splice(0)) m.reset();
  });

  it('re-throws a DynamoDB throttle on an outcome write instead of calling it a lost race', async () => {
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    const ddb = mockClient(client);
    mocks.push(ddb);
    ddb.on(UpdateCommand).rejects(named('ProvisionedThroughputExceededException'));
    const store = new DynamoDeliveryStore({ client, tableName: 't' });

    const write = store.recordOutcome(deliveryFixture(), DELIVERED);

    await expect(write).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });

  it('reports a lost race (false) when DynamoDB refuses the condition', async () => {
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    const ddb = mockClient(client);
    mocks.push(ddb);
    ddb.on(UpdateCommand).rejects(named('ConditionalCheckFailedException'));
    ddb.on(GetCommand).resolves({});
    const store = new DynamoDeliveryStore({ client, tableName: 't' });

    const ok = await store.recordOutcome(deliveryFixture(), DELIVERED);

    expect(ok).toBe(false);
  });

  it('throws naming each entry the bus refused', async () => {
    const client = new EventBridgeClient({ region: 'us-east-1' });
    const eb = mockClient(client);
    mocks.push(eb);
    eb.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ EventId: '1' }, { ErrorCode: 'InternalException', ErrorMessage: 'try later' }],
    });
    const publisher = new EventBridgePublisher({ client, busName: 'loa' });

    const publish = publisher.publish([
      { source: 'loa.delivery', detailType: 'DeliveryFailed', detail: {} },
      { source: 'loa.delivery', detailType: 'DeliveryFailed', detail: {} },
    ]);

    await expect(publish).rejects.toThrow(PublishError);
    await expect(publish).rejects.toThrow(/InternalException: try later/);
  });

  it('sends PutEvents in chunks of ten entries', async () => {
    const client = new EventBridgeClient({ region: 'us-east-1' });
    const eb = mockClient(client);
    mocks.push(eb);
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    const events = Array.from({ length: 23 }, () => ({
      source: 'loa.delivery',
      detailType: 'DeliveryFailed' as const,
      detail: {},
    }));

    await new EventBridgePublisher({ client, busName: 'loa' }).publish(events);

    expect(eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([
      10, 10, 3,
    ]);
  });

  it('throws when SQS refuses part of a batch, and clamps delays to SQS’s fifteen minutes', async () => {
    const client = new SQSClient({ region: 'us-east-1' });
    const sqs = mockClient(client);
    mocks.push(sqs);
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '0', SenderFault: false, Code: 'InternalError', Message: 'boom' }],
    });
    const queue = new SqsWorkQueue({ client, queueUrls: { webhook: 'https://sqs/q' } });

    await expect(
      queue.enqueue('webhook', [{ deliveryId: 'dlv_x', trigger: 'scheduled' }], 3600),
    ).rejects.toThrow(EnqueueError);
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0]?.DelaySeconds).toBe(900);
  });

  it('reads a missing secret as undefined and overwrites an existing one on put', async () => {
    const client = new SecretsManagerClient({ region: 'us-east-1' });
    const sm = mockClient(client);
    mocks.push(sm);
    sm.on(GetSecretValueCommand).rejects(named('ResourceNotFoundException'));
    sm.on(CreateSecretCommand).rejects(named('ResourceExistsException'));
    sm.on(PutSecretValueCommand).resolves({});
    const store = new SecretsManagerStore({ client });

    expect(await store.get('loa/agreements/x/feed-keys/k1')).toBeUndefined();
    await store.put('loa/agreements/x/feed-keys/k1', 'v');
    expect(sm.commandCalls(PutSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: 'loa/agreements/x/feed-keys/k1',
      SecretString: 'v',
    });
  });

  it('re-throws an access error from Secrets Manager rather than hiding it as missing', async () => {
    const client = new SecretsManagerClient({ region: 'us-east-1' });
    const sm = mockClient(client);
    mocks.push(sm);
    sm.on(GetSecretValueCommand).rejects(named('AccessDeniedException'));

    await expect(new SecretsManagerStore({ client }).get('loa/x')).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });
});
