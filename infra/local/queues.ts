import { createHash, randomUUID } from 'node:crypto';
import { AwsRequestError, LOCAL_ACCOUNT, type LocalLogger } from '#infra/local/bus.ts';
import type { FunctionName, QueueName, QueueSpec } from '#infra/wiring.ts';

/** One message as the store keeps it; times are epoch milliseconds. Replaced, never mutated. */
export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5: string;
  readonly sentAt: number;
  /** When it may next be received: after its delay, or after the visibility timeout of its last receive. */
  readonly visibleAt: number;
  readonly receiveCount: number;
  readonly firstReceivedAt?: number;
  readonly receiptHandle?: string;
}

/** Where messages live: in memory (this file), or in memory and a journal on disk (queue-store.ts). */
export interface QueueStore {
  put(queue: QueueName, message: StoredMessage): void;
  get(queue: QueueName, messageId: string): StoredMessage | undefined;
  delete(queue: QueueName, messageId: string): void;
  /** Live messages (not dead letters), oldest first. */
  list(queue: QueueName): StoredMessage[];
  /** Removes the message from the live ones and appends it to the queue's dead letters. */
  deadLetter(queue: QueueName, message: StoredMessage): void;
  deadLetters(queue: QueueName): StoredMessage[];
}

/** The in-memory store: lost on restart. */
export class MemoryQueueStore implements QueueStore {
  readonly #live = new Map<QueueName, Map<string, StoredMessage>>();
  readonly #dead = new Map<QueueName, StoredMessage[]>();

  put(queue: QueueName, message: StoredMessage): void {
    const live = this.#live.get(queue) ?? new Map<string, StoredMessage>();
    this.#live.set(queue, live.set(message.messageId, message));
  }
  get(queue: QueueName, messageId: string): StoredMessage | undefined {
    return this.#live.get(queue)?.get(messageId);
  }
  delete(queue: QueueName, messageId: string): void {
    this.#live.get(queue)?.delete(messageId);
  }
  list(queue: QueueName): StoredMessage[] {
    return [...(this.#live.get(queue)?.values() ?? [])];
  }
  deadLetter(queue: QueueName, message: StoredMessage): void {
    this.delete(queue, message.messageId);
    this.#dead.set(queue, [...this.deadLetters(queue), message]);
  }
  deadLetters(queue: QueueName): StoredMessage[] {
    return [...(this.#dead.get(queue) ?? [])];
  }
}

interface LocalQueuesOptions {
  specs: QueueSpec[];
  invoke: (fn: FunctionName, event: unknown) => Promise<unknown>;
  /** Origin the queue URLs start with, e.g. the local AWS API server's URL. */
  baseUrl: string;
  pollIntervalMs?: number;
  /** Multiplies every queue time (visibility timeout, delays): 0.001 turns seconds into milliseconds. */
  timeScale?: number;
  /**
   * Multiplies the batching window only (after `timeScale`): the test runtime makes Lambda's 1 s window
   * 20 ms, so a short batch is still gathered but e2e tests do not wait a second per batch.
   */
  batchingWindowScale?: number;
  /** Batches one queue's consumer may run at once (Lambda scales its pollers similarly). */
  maxConcurrentBatches?: number;
  region?: string;
  store?: QueueStore;
  logger?: LocalLogger;
}

interface QueueStats {
  visible: number;
  inFlight: number;
  delayed: number;
  deadLetters: number;
}

// SQS's limits: 1 MiB per message (since 2025), DelaySeconds 0..900, XML-safe characters only.
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_DELAY_SECONDS = 900;
const INVALID_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** In-process SQS queues with their Lambda event source mappings (partial batch responses, DLQ). */
export class LocalQueues {
  readonly #opts: LocalQueuesOptions;
  readonly #store: QueueStore;
  readonly #running = new Map<QueueName, Set<Promise<void>>>();
  readonly #waiters: (() => void)[] = [];
  /** Receipts of the batches under way: their messages are not handed out again until they end. */
  readonly #leased = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #pollSoon = false;
  /** Per queue: since when nothing runs and ready messages are held only by the batching window. */
  readonly #heldSince = new Map<QueueName, number>();
  readonly #held = new Map<QueueName, { count: number; ms: number }>();

  constructor(opts: LocalQueuesOptions) {
    this.#opts = opts;
    this.#store = opts.store ?? new MemoryQueueStore();
    for (const spec of opts.specs) this.#running.set(spec.name, new Set());
  }

  /** The queue's URL, shaped like SQS's: `${baseUrl}/000000000000/loa-${name}`. */
  queueUrl(name: QueueName): string {
    return `${this.#opts.baseUrl.replace(/\/+$/, '')}/${LOCAL_ACCOUNT}/loa-${name}`;
  }

  /** Enqueues one message on the queue named by its URL (or the URL's last segment); validates like SQS. */
  send(queueUrl: string, body: string, delaySeconds = 0): { MessageId: string; MD5OfMessageBody: string } {
    const spec = this.#spec(queueUrl);
    if (typeof body !== 'string' || body.length === 0) {
      throw new AwsRequestError('MissingParameter', 'The request must contain the parameter MessageBody.');
    }
    if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) {
      throw new AwsRequestError('InvalidParameterValue', 'Message must be shorter than 1048576 bytes.');
    }
    if (INVALID_CHARS.test(body)) {
      throw new AwsRequestError('InvalidMessageContents', 'Invalid characters found in the message body.');
    }
    const delay = Math.min(Math.max(Math.floor(Number(delaySeconds) || 0), 0), MAX_DELAY_SECONDS);
    const now = Date.now();
    const message = {
      messageId: randomUUID(),
      body,
      md5: createHash('md5').update(body, 'utf8').digest('hex'),
      sentAt: now,
      visibleAt: now + this.#ms(delay),
      receiveCount: 0,
    };
    this.#store.put(spec.name, message);
    this.#schedulePoll();
    return { MessageId: message.messageId, MD5OfMessageBody: message.md5 };
  }

  /** Starts the consumers' polling; its timer does not keep the process alive. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#poll(), this.#opts.pollIntervalMs ?? 100).unref();
    this.#poll();
  }

  /** Stops polling and awaits the batches under way. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await Promise.allSettled([...this.#running.values()].flatMap((runs) => [...runs]));
  }

  /**
   * Resolves when every queue is empty (dead letters aside) and no batch runs. Needs the queues started,
   * and something else keeping the process alive, as the poll timer does not.
   */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Counts like SQS's approximate attributes, plus the dead-letter list's length. */
  stats(name: QueueName): QueueStats {
    const now = Date.now();
    const stats = { visible: 0, inFlight: 0, delayed: 0, deadLetters: this.#store.deadLetters(name).length };
    for (const m of this.#store.list(name)) {
      if (m.visibleAt <= now) stats.visible++;
      else if (m.receiveCount > 0) stats.inFlight++;
      else stats.delayed++;
    }
    return stats;
  }

  /**
   * The time the queue's consumer sat idle only because of the batching window: nothing of the queue
   * running, ready messages held until the window passed or the batch filled. Counted per hold since
   * the last reset (a hold under way is counted up to now); the benches subtract it from a run's time.
   */
  windowHolds(name: QueueName, reset = false): { count: number; ms: number } {
    const done = this.#held.get(name) ?? { count: 0, ms: 0 };
    const since = this.#heldSince.get(name);
    const now = Date.now();
    const out = since === undefined ? done : { count: done.count + 1, ms: done.ms + (now - since) };
    if (reset) {
      this.#held.delete(name);
      if (since !== undefined) this.#heldSince.set(name, now);
    }
    return out;
  }

  #endHold(name: QueueName): void {
    const since = this.#heldSince.get(name);
    if (since === undefined) return;
    this.#heldSince.delete(name);
    const held = this.#held.get(name) ?? { count: 0, ms: 0 };
    this.#held.set(name, { count: held.count + 1, ms: held.ms + (Date.now() - since) });
  }

  /** Messages moved to the queue's dead-letter list, oldest first. */
  deadLetters(name: QueueName): StoredMessage[] {
    return this.#store.deadLetters(name);
  }

  /** Bodies of the messages still on the queue (waiting, delayed or received), dead letters aside. */
  liveBodies(name: QueueName): string[] {
    return this.#store.list(name).map((m) => m.body);
  }

  #spec(queueUrl: string): QueueSpec {
    const id = queueUrl.replace(/\/+$/, '').split('/').pop();
    const spec = this.#opts.specs.find((s) => `loa-${s.name}` === id);
    if (!spec) throw new AwsRequestError('QueueDoesNotExist', 'The specified queue does not exist.');
    return spec;
  }

  #ms(seconds: number): number {
    return seconds * 1000 * (this.#opts.timeScale ?? 1);
  }

  #schedulePoll(): void {
    // A consumer long-polls, so a new message or a freed slot is taken up at once, not at the next tick.
    if (!this.#timer || this.#pollSoon) return;
    this.#pollSoon = true;
    setImmediate(() => {
      this.#pollSoon = false;
      this.#poll();
    }).unref();
  }

  #poll(): void {
    if (!this.#timer) return;
    for (const spec of this.#opts.specs) {
      const running = this.#running.get(spec.name) ?? new Set();
      while (running.size < (this.#opts.maxConcurrentBatches ?? 4)) {
        if (this.#gathering(spec)) {
          if (running.size === 0 && !this.#heldSince.has(spec.name))
            this.#heldSince.set(spec.name, Date.now());
          break;
        }
        this.#endHold(spec.name);
        const batch = this.#receive(spec);
        if (batch.length === 0) break;
        const run = this.#runBatch(spec, batch).finally(() => {
          running.delete(run);
          this.#schedulePoll();
          this.#notify();
        });
        running.add(run);
      }
    }
    this.#notify();
  }

  /**
   * The batching window (maxBatchingWindowSeconds), as Lambda's event source mapping keeps it: a batch
   * short of batchSize waits until the window has passed since its oldest message became visible.
   */
  #gathering(spec: QueueSpec): boolean {
    if (!spec.maxBatchingWindowSeconds) return false;
    const now = Date.now();
    let ready = 0;
    let oldest = now;
    for (const m of this.#store.list(spec.name)) {
      if (m.visibleAt > now || (m.receiptHandle && this.#leased.has(m.receiptHandle))) continue;
      ready++;
      oldest = Math.min(oldest, m.visibleAt);
    }
    return (
      ready > 0 &&
      ready < spec.batchSize &&
      now - oldest < this.#ms(spec.maxBatchingWindowSeconds) * (this.#opts.batchingWindowScale ?? 1)
    );
  }

  #receive(spec: QueueSpec): StoredMessage[] {
    const now = Date.now();
    const batch: StoredMessage[] = [];
    for (const m of this.#store.list(spec.name)) {
      if (batch.length >= spec.batchSize) break;
      if (m.visibleAt > now) continue;
      // On AWS a visibility timeout of six function timeouts means Lambda has stopped the consumer
      // before its message shows again. Here nothing stops a slow consumer, so a message stays with
      // its batch until the batch ends: never two consumers at once, as on AWS.
      if (m.receiptHandle && this.#leased.has(m.receiptHandle)) continue;
      // The redrive policy: a message back after maxReceiveCount receives is not delivered again.
      if (m.receiveCount >= spec.maxReceiveCount) {
        this.#store.deadLetter(spec.name, m);
        continue;
      }
      const received = {
        ...m,
        receiveCount: m.receiveCount + 1,
        visibleAt: now + this.#ms(spec.visibilityTimeoutSeconds),
        receiptHandle: randomUUID(),
        firstReceivedAt: m.firstReceivedAt ?? now,
      };
      this.#store.put(spec.name, received);
      batch.push(received);
    }
    return batch;
  }

  async #runBatch(spec: QueueSpec, batch: StoredMessage[]): Promise<void> {
    for (const m of batch) if (m.receiptHandle) this.#leased.add(m.receiptHandle);
    try {
      await this.#runLeased(spec, batch);
    } finally {
      for (const m of batch) if (m.receiptHandle) this.#leased.delete(m.receiptHandle);
    }
  }

  async #runLeased(spec: QueueSpec, batch: StoredMessage[]): Promise<void> {
    let failed: Set<string>;
    try {
      failed = failedIds(await this.#opts.invoke(spec.consumer, this.#sqsEvent(spec, batch)), batch);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#opts.logger?.warn('queue consumer failed, the batch stays', { queue: spec.name, error: message });
      failed = new Set(batch.map((m) => m.messageId));
    }
    for (const m of batch) {
      const current = this.#store.get(spec.name, m.messageId);
      // Gone, or (a defensive check: leases prevent it) received again by another batch, which owns it now.
      if (!current || current.receiptHandle !== m.receiptHandle) continue;
      if (!failed.has(m.messageId)) this.#store.delete(spec.name, m.messageId);
      // Moved now rather than on its next receive (as SQS does): same deliveries, the DLQ fills sooner.
      else if (current.receiveCount >= spec.maxReceiveCount) this.#store.deadLetter(spec.name, current);
    }
  }

  #sqsEvent(spec: QueueSpec, batch: StoredMessage[]): { Records: unknown[] } {
    const region = this.#opts.region ?? 'us-east-1';
    return {
      Records: batch.map((m) => ({
        messageId: m.messageId,
        receiptHandle: m.receiptHandle,
        body: m.body,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          SenderId: LOCAL_ACCOUNT,
          ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt),
        },
        messageAttributes: {},
        md5OfBody: m.md5,
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${region}:${LOCAL_ACCOUNT}:loa-${spec.name}`,
        awsRegion: region,
      })),
    };
  }

  #isIdle(): boolean {
    return this.#opts.specs.every(
      (s) => this.#store.list(s.name).length === 0 && (this.#running.get(s.name)?.size ?? 0) === 0,
    );
  }

  #notify(): void {
    if (this.#isIdle()) for (const resolve of this.#waiters.splice(0)) resolve();
  }
}

/**
 * The messages a partial batch response reports as failed. As Lambda does, an answer it cannot read
 * (an identifier missing or not in the batch) fails the whole batch; no answer means all succeeded.
 */
function failedIds(result: unknown, batch: StoredMessage[]): Set<string> {
  const all = new Set(batch.map((m) => m.messageId));
  const items = (result as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
  if (items === undefined || items === null) return new Set();
  if (!Array.isArray(items)) return all;
  const ids = items.map((item: { itemIdentifier?: unknown } | null) => item?.itemIdentifier);
  return ids.every((id) => typeof id === 'string' && all.has(id)) ? new Set(ids as string[]) : all;
}
