import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsApiHandler } from '#infra/local/aws-api.ts';
import { type BusEvent, LocalBus } from '#infra/local/bus.ts';
import { LocalQueues } from '#infra/local/queues.ts';
import { BUS_NAME, type FunctionName, QUEUES, SUBSCRIPTIONS } from '#infra/wiring.ts';

interface SqsEvent {
  Records: {
    messageId: string;
    body: string;
    eventSource: string;
    attributes: { ApproximateReceiveCount: string };
  }[];
}

const VIETNAMESE = 'Hà Giang — Đặng Quốc Khánh';
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let consumer: (event: SqsEvent) => Promise<unknown>;
const invoke = vi.fn(async (fn: FunctionName, event: unknown) =>
  fn === 'deliver-webhook' ? consumer(event as SqsEvent) : undefined,
);
let server: Server;
let endpoint: string;
let bus: LocalBus;
let queues: LocalQueues;

beforeAll(async () => {
  let handle: ReturnType<typeof createAwsApiHandler> | undefined;
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = await handle?.(req, Buffer.concat(chunks));
    res.writeHead(answer?.status ?? 404, answer?.headers ?? {}).end(answer?.body ?? 'not an AWS call');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  bus = new LocalBus({ busName: BUS_NAME, subscriptions: SUBSCRIPTIONS, invoke, retryDelaysMs: [1, 1] });
  // 180 s of visibility timeout become 36 ms.
  queues = new LocalQueues({
    specs: QUEUES,
    invoke,
    baseUrl: endpoint,
    pollIntervalMs: 5,
    timeScale: 0.0002,
  });
  handle = createAwsApiHandler({ bus, queues });
  queues.start();
});

afterAll(async () => {
  await Promise.all([bus.close(), queues.stop()]);
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  invoke.mockClear();
  consumer = async () => ({ batchItemFailures: [] });
});

const events = () => new EventBridgeClient({ region: 'us-east-1', endpoint, credentials });
const sqs = () => new SQSClient({ region: 'us-east-1', endpoint, credentials });
const approval = (Detail: string) => ({
  EventBusName: BUS_NAME,
  Source: 'loa.cms',
  DetailType: 'ContentApproved',
  Detail,
});

describe('the local AWS API, called by the real SDK clients', () => {
  it('delivers a PutEvents entry to its rule target as the Lambda envelope, text intact byte for byte', async () => {
    const detail = JSON.stringify({ article: { id: 'ha-giang', title: VIETNAMESE } });

    const out = await events().send(
      new PutEventsCommand({ Entries: [{ ...approval(detail), Time: new Date('2026-01-02T03:04:05Z') }] }),
    );
    await bus.idle();

    expect(out.FailedEntryCount).toBe(0);
    expect(invoke).toHaveBeenCalledTimes(1);
    const [fn, envelope] = invoke.mock.calls[0] as [FunctionName, BusEvent];
    expect(fn).toBe('package');
    expect(envelope).toEqual({
      version: '0',
      id: out.Entries?.[0]?.EventId,
      'detail-type': 'ContentApproved',
      source: 'loa.cms',
      account: '000000000000',
      time: '2026-01-02T03:04:05Z',
      region: 'us-east-1',
      resources: [],
      detail: { article: { id: 'ha-giang', title: VIETNAMESE } },
    });
    expect(Buffer.from(JSON.stringify(envelope.detail))).toEqual(Buffer.from(detail));
  });

  it('counts a refused entry in FailedEntryCount and still delivers the good entry beside it', async () => {
    const entries = [approval('{"article": '), approval(JSON.stringify({ article: { id: 'ok' } }))];

    const out = await events().send(new PutEventsCommand({ Entries: entries }));
    await bus.idle();

    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[0]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    expect(out.Entries?.[1]?.EventId).toEqual(expect.any(String));
    expect(invoke).toHaveBeenCalledWith(
      'package',
      expect.objectContaining({ detail: { article: { id: 'ok' } } }),
    );
  });

  it('answers malformed JSON and unknown operations with AWS JSON errors', async () => {
    const post = (target: string, body: string) =>
      fetch(endpoint, { method: 'POST', headers: { 'x-amz-target': target }, body });

    const [malformed, unknown] = await Promise.all([
      post('AWSEvents.PutEvents', '{"Entries": ['),
      post('AWSEvents.DeleteRule', '{}'),
    ]);

    expect([malformed.status, malformed.headers.get('x-amzn-errortype')]).toEqual([
      400,
      'SerializationException',
    ]);
    expect(await malformed.json()).toEqual({ __type: 'SerializationException', message: expect.any(String) });
    expect([unknown.status, unknown.headers.get('x-amzn-errortype')]).toEqual([
      400,
      'UnknownOperationException',
    ]);
  });

  it('leaves a request without x-amz-target to the caller', async () => {
    const response = await fetch(`${endpoint}/feeds/x`);

    expect([response.status, await response.text()]).toEqual([404, 'not an AWS call']);
  });

  it('hands a sent message to the queue consumer as an SQS event, the SDK accepting its MD5', async () => {
    const received: SqsEvent[] = [];
    consumer = async (event) => void received.push(event);

    const out = await sqs().send(
      new SendMessageCommand({ QueueUrl: queues.queueUrl('webhook'), MessageBody: VIETNAMESE }),
    );
    await queues.idle();

    expect(invoke).toHaveBeenCalledWith('deliver-webhook', expect.anything());
    expect(received.flatMap((e) => e.Records)).toEqual([
      expect.objectContaining({ messageId: out.MessageId, body: VIETNAMESE, eventSource: 'aws:sqs' }),
    ]);
  });

  it('sends a batch, failing only the entry SQS would refuse', async () => {
    const bodies: string[] = [];
    consumer = async (event) => void bodies.push(...event.Records.map((r) => r.body));
    const Entries = [
      { Id: 'one', MessageBody: 'first' },
      { Id: 'bad', MessageBody: 'nul \u0000' },
      { Id: 'two', MessageBody: VIETNAMESE, DelaySeconds: 0 },
    ];

    const out = await sqs().send(
      new SendMessageBatchCommand({ QueueUrl: queues.queueUrl('webhook'), Entries }),
    );
    await queues.idle();

    expect(out.Successful?.map((s) => s.Id)).toEqual(['one', 'two']);
    expect(out.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', Code: 'InvalidMessageContents', SenderFault: true }),
    ]);
    expect(bodies.sort()).toEqual(['first', VIETNAMESE].sort());
  });

  it('reaches the queue when the client has no endpoint and follows the queue URL', async () => {
    const client = new SQSClient({ region: 'us-east-1', credentials, logger: quiet });

    const out = await client.send(
      new SendMessageCommand({ QueueUrl: queues.queueUrl('webhook'), MessageBody: 'via url' }),
    );
    await queues.idle();

    expect(out.MessageId).toEqual(expect.any(String));
    expect(invoke).toHaveBeenCalledWith(
      'deliver-webhook',
      expect.objectContaining({ Records: [expect.anything()] }),
    );
  });

  it('makes the SDK throw QueueDoesNotExist for an unknown queue', async () => {
    const send = sqs().send(
      new SendMessageCommand({ QueueUrl: `${endpoint}/000000000000/loa-nope`, MessageBody: 'x' }),
    );

    await expect(send).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
  });

  it('redelivers a failed message after the visibility timeout, then dead-letters it after maxReceiveCount', async () => {
    const counts: string[] = [];
    consumer = async ({ Records }) => {
      counts.push(...Records.map((r) => r.attributes.ApproximateReceiveCount));
      return { batchItemFailures: Records.map((r) => ({ itemIdentifier: r.messageId })) };
    };

    const out = await sqs().send(
      new SendMessageCommand({ QueueUrl: queues.queueUrl('webhook'), MessageBody: 'gone' }),
    );
    await queues.idle();

    expect(counts).toEqual(['1', '2', '3', '4', '5']);
    expect(queues.deadLetters('webhook')).toEqual([
      expect.objectContaining({ messageId: out.MessageId, body: 'gone' }),
    ]);
  });
});
