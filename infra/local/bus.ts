import { randomUUID } from 'node:crypto';
import { matchesPattern } from '#infra/local/event-pattern.ts';
import type { FunctionName, Subscription } from '#infra/wiring.ts';

/** A `PutEvents` request entry, as the EventBridge API takes it. `Time` in JSON is epoch seconds. */
export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Time?: Date | number | string;
  Resources?: string[];
}

/** A `PutEvents` result entry: an id for an accepted event, an error code for a refused one. */
export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** The event as a Lambda target receives it from EventBridge. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** A delivery to a target that failed on every attempt (Lambda's async invocation gave up). */
export interface FailedInvocation {
  rule: string;
  target: FunctionName;
  event: BusEvent;
  error: string;
  attempts: number;
}

/** The part of a logger (console, Powertools) that the local emulators write to. */
export interface LocalLogger {
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** A request refused as a whole; `name` is the AWS error type. */
export class AwsRequestError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

export interface LocalBusOptions {
  busName: string;
  subscriptions: Subscription[];
  invoke: (fn: FunctionName, event: unknown) => Promise<unknown>;
  logger?: LocalLogger;
  region?: string;
  /** Waits before each retry; Lambda's async invocation retries twice. Small values in tests. */
  retryDelaysMs?: readonly number[];
}

export const LOCAL_ACCOUNT = '000000000000';
const MAX_ENTRY_BYTES = 256 * 1024;
const MAX_ENTRIES = 10;

/** The in-process EventBridge bus: `PutEvents` semantics, rule matching, async Lambda retries. */
export class LocalBus {
  readonly #opts: LocalBusOptions;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #failures: FailedInvocation[] = [];
  readonly #sleeping = new Map<NodeJS.Timeout, () => void>();
  #closed = false;

  constructor(opts: LocalBusOptions) {
    this.#opts = opts;
  }

  /** Accepts or refuses each entry; accepted events are dispatched after this returns. */
  putEvents(entries: PutEventsEntry[]): PutEventsResultEntry[] {
    if (this.#closed) throw new AwsRequestError('InternalException', 'the local bus is closed');
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw new AwsRequestError('ValidationException', `Entries must hold 1 to ${MAX_ENTRIES} entries`);
    }
    return entries.map((entry) => {
      const checked = this.#validate(entry);
      if ('ErrorCode' in checked) return checked;
      this.#dispatch(checked);
      return { EventId: checked.id };
    });
  }

  /** Deliveries that failed after every retry, oldest first. */
  failures(): FailedInvocation[] {
    return [...this.#failures];
  }

  /** Resolves once no dispatch is pending, including dispatches started by the targets themselves. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Refuses new events, cancels waiting retries and awaits the invocations under way. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const [timer, wake] of this.#sleeping) {
      clearTimeout(timer);
      wake();
    }
    this.#sleeping.clear();
    await this.idle();
  }

  #validate(entry: PutEventsEntry): BusEvent | { ErrorCode: string; ErrorMessage: string } {
    const { Source, DetailType, Detail, EventBusName = 'default', Resources = [] } = entry;
    const bus = EventBusName.startsWith('arn:') ? EventBusName.split('/').pop() : EventBusName;
    // A missing EventBusName means the default bus on AWS, where no Loa rule listens: refuse it
    // loudly here rather than let the event vanish as it would there.
    if (bus !== this.#opts.busName) {
      return {
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Event bus ${EventBusName} does not exist.`,
      };
    }
    for (const [name, value] of Object.entries({ Source, DetailType, Detail })) {
      if (!value) return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${name} is required.` };
    }
    const time = entry.Time === undefined ? new Date() : toDate(entry.Time);
    if (Number.isNaN(time.getTime()))
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Time is invalid.' };
    // EventBridge's entry size: UTF-8 bytes of these fields, plus 14 for a given Time.
    const size =
      [Source, DetailType, Detail, ...Resources].reduce((n, s) => n + Buffer.byteLength(s ?? '', 'utf8'), 0) +
      (entry.Time === undefined ? 0 : 14);
    if (size > MAX_ENTRY_BYTES) {
      return {
        ErrorCode: 'ValidationException',
        ErrorMessage: `Entry is ${size} bytes; the limit is 256 KiB.`,
      };
    }
    const detail = parseObject(Detail ?? '');
    if (!detail) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': DetailType ?? '',
      source: Source ?? '',
      account: LOCAL_ACCOUNT,
      // EventBridge stamps whole seconds.
      time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.#opts.region ?? 'us-east-1',
      resources: Resources,
      detail,
    };
  }

  #dispatch(event: BusEvent): void {
    for (const sub of this.#opts.subscriptions) {
      if (!matchesPattern(sub.pattern, event)) continue;
      const run = this.#deliver(sub, event).finally(() => this.#inFlight.delete(run));
      this.#inFlight.add(run);
    }
  }

  async #deliver({ rule, target }: Subscription, event: BusEvent): Promise<void> {
    // Like EventBridge, the caller has its answer before any target runs.
    await new Promise((resolve) => setImmediate(resolve));
    const delays = this.#opts.retryDelaysMs ?? [1_000, 2_000];
    for (let attempt = 1; ; attempt++) {
      try {
        // Each target gets its own copy, as each Lambda gets its own deserialised payload.
        await this.#opts.invoke(target, structuredClone(event));
        return;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const delay = delays[attempt - 1];
        if (delay !== undefined && !this.#closed) {
          this.#opts.logger?.warn('bus target failed, will retry', {
            rule,
            target,
            id: event.id,
            error: message,
          });
          await this.#sleep(delay);
          // close() cuts the wait short; the event then counts as failed rather than retried.
          if (!this.#closed) continue;
        }
        this.#failures.push({ rule, target, event, error: message, attempts: attempt });
        this.#opts.logger?.error('bus target failed, giving up', {
          rule,
          target,
          id: event.id,
          error: message,
        });
        return;
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#sleeping.delete(timer);
        resolve();
      }, ms);
      this.#sleeping.set(timer, resolve);
    });
  }
}

function toDate(time: Date | number | string): Date {
  if (time instanceof Date) return time;
  return typeof time === 'number' ? new Date(time * 1000) : new Date(time);
}

function parseObject(json: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
