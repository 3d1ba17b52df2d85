import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalQueues } from '#infra/local/queues.ts';
import type { FunctionName, QueueSpec } from '#infra/wiring.ts';

interface SqsRecord {
  messageId: string;
  body: string;
  attributes: { ApproximateReceiveCount: string };
}
type Invoke = (fn: FunctionName, event: { Records: SqsRecord[] }) => Promise<unknown>;

const spec: QueueSpec = {
  name: 'webhook',
  consumer: 'deliver-webhook',
  visibilityTimeoutSeconds: 0.03,
  maxReceiveCount: 3,
  batchSize: 2,
};
const started: LocalQueues[] = [];

function makeQueues(invoke: Invoke, maxConcurrentBatches = 1): LocalQueues {
  const queues = new LocalQueues({
    specs: [spec],
    invoke: invoke as (fn: FunctionName, event: unknown) => Promise<unknown>,
    baseUrl: 'http://127.0.0.1:4566/',
    pollIntervalMs: 2,
    maxConcurrentBatches,
  });
  started.push(queues);
  return queues;
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(started.splice(0).map((q) => q.stop()));
});

describe('LocalQueues', () => {
  it('names queues with SQS-shaped URLs and finds them by URL or last path segment', () => {
    const queues = makeQueues(async () => undefined);

    const url = queues.queueUrl('webhook');
    queues.send(url, 'a');
    queues.send('loa-webhook', 'b');

    expect(url).toBe('http://127.0.0.1:4566/000000000000/loa-webhook');
    expect(queues.stats('webhook').visible).toBe(2);
  });

  it('answers a send with the message id and the MD5 of the body that the SDK checks', () => {
    const queues = makeQueues(async () => undefined);

    const sent = queues.send('loa-webhook', 'hello');

    expect(sent).toEqual({
      MessageId: expect.any(String),
      MD5OfMessageBody: '5d41402abc4b2a76b9719d911017c592',
    });
  });

  it('refuses an unknown queue, an empty body and characters SQS does not allow', () => {
    const queues = makeQueues(async () => undefined);

    const errors = [
      () => queues.send('loa-nope', 'x'),
      () => queues.send('loa-webhook', ''),
      () => queues.send('loa-webhook', 'bell \u0007'),
    ].map((send) => {
      try {
        send();
        return 'accepted';
      } catch (error) {
        return (error as Error).name;
      }
    });

    expect(errors).toEqual(['QueueDoesNotExist', 'MissingParameter', 'InvalidMessageContents']);
  });

  it('holds a delayed message back, clamping the delay to 900 seconds', () => {
    vi.useFakeTimers();
    const queues = makeQueues(async () => undefined);

    queues.send('loa-webhook', 'later', 5_000);
    const justSent = queues.stats('webhook');
    vi.advanceTimersByTime(899_999);
    const beforeDue = queues.stats('webhook');
    vi.advanceTimersByTime(1);
    const due = queues.stats('webhook');

    expect([justSent.delayed, beforeDue.delayed, due.delayed, due.visible]).toEqual([1, 1, 0, 1]);
  });

  it('invokes the consumer with an SQS event of up to batchSize records and deletes what succeeded', async () => {
    const invoke = vi.fn<Invoke>(async () => ({ batchItemFailures: [] }));
    const queues = makeQueues(invoke);
    for (const body of ['one', 'two', 'three']) queues.send('loa-webhook', body);

    queues.start();
    await queues.idle();

    expect(invoke.mock.calls.map(([, event]) => event.Records.map((r) => r.body))).toEqual([
      ['one', 'two'],
      ['three'],
    ]);
    expect(invoke.mock.calls[0]?.[0]).toBe('deliver-webhook');
    expect(invoke.mock.calls[0]?.[1].Records[0]).toEqual({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: 'one',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d+$/),
        SenderId: '000000000000',
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
      },
      messageAttributes: {},
      md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:loa-webhook',
      awsRegion: 'us-east-1',
    });
    expect(queues.stats('webhook')).toEqual({ visible: 0, inFlight: 0, delayed: 0, deadLetters: 0 });
  });

  it('delivers a message reported in batchItemFailures again, and only that one', async () => {
    const deliveries: string[] = [];
    const queues = makeQueues(async (_fn, { Records }) => {
      deliveries.push(...Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`));
      const failing = Records.filter((r) => r.body === 'bad' && r.attributes.ApproximateReceiveCount === '1');
      return { batchItemFailures: failing.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    queues.send('loa-webhook', 'good');
    queues.send('loa-webhook', 'bad');

    queues.start();
    await queues.idle();

    expect(deliveries).toEqual(['good#1', 'bad#1', 'bad#2']);
  });

  it('moves a message to the dead-letter list after maxReceiveCount failed receives', async () => {
    const invoke = vi.fn<Invoke>(async (_fn, { Records }) => ({
      batchItemFailures: Records.map((r) => ({ itemIdentifier: r.messageId })),
    }));
    const queues = makeQueues(invoke);
    const { MessageId } = queues.send('loa-webhook', 'doomed');

    queues.start();
    await queues.idle();

    expect(invoke).toHaveBeenCalledTimes(3);
    expect(queues.deadLetters('webhook')).toEqual([
      expect.objectContaining({ messageId: MessageId, body: 'doomed', receiveCount: 3 }),
    ]);
    expect(queues.stats('webhook')).toEqual({ visible: 0, inFlight: 0, delayed: 0, deadLetters: 1 });
  });

  it('keeps the whole batch when the consumer throws', async () => {
    const invoke = vi
      .fn<Invoke>()
      .mockRejectedValueOnce(new Error('cold start failed'))
      .mockResolvedValue({});
    const queues = makeQueues(invoke);
    queues.send('loa-webhook', 'a');
    queues.send('loa-webhook', 'b');

    queues.start();
    await queues.idle();

    expect(
      invoke.mock.calls.map(([, e]) => e.Records.map((r) => r.attributes.ApproximateReceiveCount)),
    ).toEqual([
      ['1', '1'],
      ['2', '2'],
    ]);
  });

  it('fails the whole batch when a batch item failure names no message of the batch', async () => {
    const invoke = vi
      .fn<Invoke>()
      .mockResolvedValueOnce({ batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] })
      .mockResolvedValue({ batchItemFailures: [] });
    const queues = makeQueues(invoke);
    queues.send('loa-webhook', 'a');
    queues.send('loa-webhook', 'b');

    queues.start();
    await queues.idle();

    expect(invoke).toHaveBeenCalledTimes(2);
    expect(invoke.mock.calls[1]?.[1].Records).toHaveLength(2);
  });

  it('stops polling, waiting for the batch under way', async () => {
    let release: () => void = () => {};
    let finished = false;
    const queues = makeQueues(async () => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      finished = true;
    });
    queues.send('loa-webhook', 'first');
    queues.start();
    await vi.waitFor(() => expect(queues.stats('webhook').inFlight).toBe(1));

    let stopped = false;
    const stopping = queues.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    const stoppedEarly = stopped;
    release();
    await stopping;
    queues.send('loa-webhook', 'second');

    expect([stoppedEarly, finished]).toEqual([false, true]);
    expect(queues.stats('webhook')).toEqual({ visible: 1, inFlight: 0, delayed: 0, deadLetters: 0 });
  });
});
