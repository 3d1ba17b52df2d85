import type { QueueName } from '#infra/wiring.ts';
import { Journal } from './journal.ts';
import { MemoryQueueStore, type QueueStore, type StoredMessage } from './queues.ts';

type QueueRecord =
  | { op: 'put'; queue: QueueName; message: StoredMessage }
  | { op: 'delete'; queue: QueueName; id: string }
  | { op: 'dead'; queue: QueueName; message: StoredMessage };

/** Compaction once the journal holds this many records more than there are messages. */
const COMPACT_AFTER = 5_000;

/**
 * Queue messages kept in memory and in a journal, as SQS keeps what it accepted: a message sent is on
 * disk before SendMessage answers (the runtime syncs the journal before the API replies), and a
 * restart finds every message not yet deleted.
 */
export class JournalQueueStore implements QueueStore {
  readonly #memory = new MemoryQueueStore();
  readonly #journal: Journal<QueueRecord>;
  readonly #queues: readonly QueueName[];

  /**
   * Loads the journal at `path` and compacts it. Messages a consumer had received when the last run
   * ended are visible again at once: that consumer was this process, so their leases died with it.
   */
  constructor(path: string, queues: readonly QueueName[], now = Date.now()) {
    this.#journal = new Journal<QueueRecord>(path);
    this.#queues = queues;
    for (const r of this.#journal.read()) {
      if (r.op === 'put') this.#memory.put(r.queue, r.message);
      else if (r.op === 'delete') this.#memory.delete(r.queue, r.id);
      else this.#memory.deadLetter(r.queue, r.message);
    }
    for (const queue of queues) {
      for (const m of this.#memory.list(queue)) {
        if (m.receiptHandle && m.visibleAt > now) this.#memory.put(queue, { ...m, visibleAt: now });
      }
    }
    this.#compact();
  }

  put(queue: QueueName, message: StoredMessage): void {
    this.#memory.put(queue, message);
    this.#journal.append({ op: 'put', queue, message });
  }
  get(queue: QueueName, messageId: string): StoredMessage | undefined {
    return this.#memory.get(queue, messageId);
  }
  delete(queue: QueueName, messageId: string): void {
    this.#memory.delete(queue, messageId);
    this.#journal.append({ op: 'delete', queue, id: messageId });
    this.#maybeCompact();
  }
  list(queue: QueueName): StoredMessage[] {
    return this.#memory.list(queue);
  }
  deadLetter(queue: QueueName, message: StoredMessage): void {
    this.#memory.deadLetter(queue, message);
    this.#journal.append({ op: 'dead', queue, message });
  }
  deadLetters(queue: QueueName): StoredMessage[] {
    return this.#memory.deadLetters(queue);
  }

  /** Resolves once everything accepted so far is durable on disk. */
  sync(): Promise<void> {
    return this.#journal.sync();
  }

  close(): void {
    this.#journal.close();
  }

  #maybeCompact(): void {
    const live = this.#queues.reduce((n, q) => n + this.#memory.list(q).length, 0);
    if (this.#journal.appended > COMPACT_AFTER + 4 * live) this.#compact();
  }

  #compact(): void {
    this.#journal.rewrite(
      this.#queues.flatMap((queue) => [
        ...this.#memory.deadLetters(queue).map((message) => ({ op: 'dead' as const, queue, message })),
        ...this.#memory.list(queue).map((message) => ({ op: 'put' as const, queue, message })),
      ]),
    );
  }
}
