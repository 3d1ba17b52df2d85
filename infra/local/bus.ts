import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { matchesPattern } from '#infra/local/event-pattern.ts';
import type { FunctionName, Subscription } from '#infra/wiring.ts';
import { Journal } from './journal.ts';

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
type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

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
interface FailedInvocation {
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

/**
 * A caller allowed to put events, known by the access key id its SDK client signs with, and the event
 * sources it may use: the local stand-in for the bus's resource policy and the callers' IAM policies.
 */
export interface Publisher {
  name: string;
  accessKeyId: string;
  sources: readonly string[];
}

export interface LocalBusOptions {
  busName: string;
  /**
   * Who may put which sources. Absent: anyone may put anything (unit tests of the bus alone). Present:
   * a request from an unknown key, or with a source its key may not use, is refused as a whole
   * (`AccessDeniedException`), as IAM refuses a PutEvents call on AWS.
   */
  publishers?: readonly Publisher[];
  subscriptions: Subscription[];
  invoke: (fn: FunctionName, event: unknown) => Promise<unknown>;
  logger?: LocalLogger;
  region?: string;
  /** Waits before each retry; Lambda's async invocation retries twice. Small values in tests. */
  retryDelaysMs?: readonly number[];
  /**
   * Where accepted events are kept until every target has run (a JSON-lines journal). Without it the
   * bus is in memory only. With it, events left over from the last run wait for `resume()`.
   */
  journalPath?: string;
  /**
   * Times each target receives each event (default 1). EventBridge delivers at least once; tests set 2
   * to prove every handler takes a duplicate in its stride.
   */
  deliveriesPerEvent?: number;
  /** Sees every accepted event, matched by a rule or not (the local terminal's log of failures). */
  onEvent?: (event: BusEvent) => void;
  /**
   * Told of every accepted event the bus cannot hand to a target: one no rule matches (EventBridge
   * drops those silently; locally they are recorded) and one whose target failed on every retry.
   * The runtime records each as a rejection (`GET /ops/rejections`); the bus logs it as well.
   */
  onUnhandled?: (event: BusEvent, problem: string) => Promise<void> | void;
  /**
   * Events published for others to consume (Loa's DeliveryFailed): no local rule needs to
   * match them, so they are not "unhandled".
   */
  announcements?: readonly { source: string; detailType: string }[];
}

/** One line of the bus journal: an event accepted for some rules, or one rule done with it. */
type BusRecord = { op: 'event'; event: BusEvent; rules: string[] } | { op: 'done'; id: string; rule: string };

/** An accepted event and, per rule, how many of its deliveries are still to finish. */
interface PendingEvent {
  event: BusEvent;
  remaining: Map<string, number>;
}

/** Compaction once the journal holds this many records more than there are pending events. */
const COMPACT_AFTER = 5_000;

export const LOCAL_ACCOUNT = '000000000000';
const MAX_ENTRY_BYTES = 256 * 1024;
const MAX_ENTRIES = 10;

/** The in-process EventBridge bus: `PutEvents` semantics, rule matching, async Lambda retries. */
export class LocalBus {
  readonly #opts: LocalBusOptions;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #failures: FailedInvocation[] = [];
  readonly #sleeping = new Map<NodeJS.Timeout, () => void>();
  readonly #journal: Journal<BusRecord> | undefined;
  readonly #pending = new Map<string, PendingEvent>();
  /** Events from the last run, waiting for resume(). */
  #leftOver: PendingEvent[] = [];
  #closed = false;

  constructor(opts: LocalBusOptions) {
    this.#opts = opts;
    if (opts.journalPath) {
      this.#journal = new Journal<BusRecord>(opts.journalPath);
      this.#leftOver = leftOverEvents(this.#journal.read());
      this.#compact(this.#leftOver);
    }
  }

  /** Events accepted in an earlier run whose targets had not all finished. */
  get leftOver(): number {
    return this.#leftOver.length;
  }

  /** Dispatches the events left over from the last run (at least once, as EventBridge would). */
  resume(): void {
    const leftOver = this.#leftOver;
    this.#leftOver = [];
    for (const p of leftOver) {
      this.#pending.set(p.event.id, p);
      for (const sub of this.#opts.subscriptions) {
        if (p.remaining.has(sub.rule)) this.#start(sub, p.event);
      }
    }
  }

  /** Resolves once every accepted event is durable on disk; the API awaits it before it answers. */
  async sync(): Promise<void> {
    await this.#journal?.sync();
  }

  /**
   * Accepts or refuses each entry; accepted events are dispatched after this returns. `accessKeyId` is
   * the caller's (from its request signature), checked against `publishers` when the bus has them.
   */
  putEvents(entries: unknown[], accessKeyId?: string): PutEventsResultEntry[] {
    if (this.#closed) throw new AwsRequestError('InternalException', 'the local bus is closed');
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw new AwsRequestError('ValidationException', `Entries must hold 1 to ${MAX_ENTRIES} entries`);
    }
    const shapeProblem = entries.map(entryShapeProblem).find((p) => p !== undefined);
    if (shapeProblem) throw new AwsRequestError('ValidationException', shapeProblem);
    this.#authorise(entries as PutEventsEntry[], accessKeyId);
    return (entries as PutEventsEntry[]).map((entry) => {
      const checked = this.#validate(entry);
      if ('ErrorCode' in checked) {
        // Answered to the caller entry by entry, as EventBridge does; logged so it leaves a trace here too.
        this.#opts.logger?.warn('PutEvents entry refused', { source: entry.Source, code: checked.ErrorCode });
        return checked;
      }
      this.#accept(checked);
      this.#opts.onEvent?.(checked);
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
    this.#journal?.close();
  }

  /** Refuses the whole request unless its key is a known publisher allowed every source it uses. */
  #authorise(entries: PutEventsEntry[], accessKeyId: string | undefined): void {
    const publishers = this.#opts.publishers;
    if (!publishers) return;
    const caller = publishers.find((p) => sameKey(p.accessKeyId, accessKeyId ?? ''));
    if (!caller) {
      this.#opts.logger?.warn('PutEvents refused: unknown caller', { sources: entries.map((e) => e.Source) });
      throw new AwsRequestError(
        'AccessDeniedException',
        'The caller is not authorized to put events on this bus.',
      );
    }
    // An entry without a source is refused on its own below (InvalidArgument), as EventBridge does.
    const foreign = entries.find((e) => e.Source && !caller.sources.includes(e.Source));
    if (foreign) {
      this.#opts.logger?.warn('PutEvents refused: source not allowed', {
        caller: caller.name,
        source: foreign.Source,
      });
      throw new AwsRequestError(
        'AccessDeniedException',
        `The caller is not authorized to put events with source ${JSON.stringify(foreign.Source ?? '')}.`,
      );
    }
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

  /**
   * Journals the event for the rules it matches, then dispatches it. One no rule matches (EventBridge
   * would drop it silently) is logged and reported to onUnhandled, unless it is an announcement.
   */
  #accept(event: BusEvent): void {
    const subs = this.#opts.subscriptions.filter((sub) => matchesPattern(sub.pattern, event));
    if (subs.length === 0) {
      const announced = this.#opts.announcements?.some(
        (a) => a.source === event.source && a.detailType === event['detail-type'],
      );
      if (announced) return;
      const problem = `no rule on bus ${this.#opts.busName} matches source ${JSON.stringify(event.source)} and detail-type ${JSON.stringify(event['detail-type'])}`;
      this.#unhandled(event, problem);
      return;
    }
    const copies = this.#opts.deliveriesPerEvent ?? 1;
    this.#pending.set(event.id, { event, remaining: new Map(subs.map((s) => [s.rule, copies])) });
    this.#journal?.append({ op: 'event', event, rules: subs.map((s) => s.rule) });
    for (const sub of subs) this.#start(sub, event);
  }

  /** Logs an event the bus could not hand to any target and tells onUnhandled (its failure is logged too). */
  #unhandled(event: BusEvent, problem: string): void {
    this.#opts.logger?.warn('bus event not handled', {
      id: event.id,
      source: event.source,
      detailType: event['detail-type'],
      problem,
    });
    const record = this.#opts.onUnhandled;
    if (!record) return;
    const run = Promise.resolve()
      .then(() => record(event, problem))
      .catch((error) =>
        this.#opts.logger?.error('bus could not record an unhandled event', { id: event.id, error }),
      )
      .finally(() => this.#inFlight.delete(run));
    this.#inFlight.add(run);
  }

  #start(sub: Subscription, event: BusEvent): void {
    const copies = this.#pending.get(event.id)?.remaining.get(sub.rule) ?? 1;
    for (let i = 0; i < copies; i++) {
      const run = this.#deliver(sub, event)
        .then((finished) => {
          if (finished) this.#done(event.id, sub.rule);
        })
        .finally(() => this.#inFlight.delete(run));
      this.#inFlight.add(run);
    }
  }

  /** One delivery of an event to a rule's target is over; the rule is done with it when all are. */
  #done(id: string, rule: string): void {
    const pending = this.#pending.get(id);
    const left = (pending?.remaining.get(rule) ?? 1) - 1;
    if (left > 0) {
      pending?.remaining.set(rule, left);
      return;
    }
    pending?.remaining.delete(rule);
    if (pending?.remaining.size === 0) this.#pending.delete(id);
    this.#journal?.append({ op: 'done', id, rule });
    if (this.#journal && this.#journal.appended > COMPACT_AFTER + 4 * this.#pending.size) {
      this.#compact([...this.#pending.values()]);
    }
  }

  #compact(pending: PendingEvent[]): void {
    this.#journal?.rewrite(
      pending.map((p) => ({ op: 'event', event: p.event, rules: [...p.remaining.keys()] })),
    );
  }

  /** Runs the target with Lambda's async retries; false when close() cut it short (it stays journaled). */
  async #deliver({ rule, target }: Subscription, event: BusEvent): Promise<boolean> {
    // Like EventBridge, the caller has its answer before any target runs.
    await new Promise((resolve) => setImmediate(resolve));
    const delays = this.#opts.retryDelaysMs ?? [1_000, 2_000];
    for (let attempt = 1; ; attempt++) {
      try {
        // Each target gets its own copy, as each Lambda gets its own deserialised payload.
        await this.#opts.invoke(target, structuredClone(event));
        return true;
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
        if (!this.#closed) {
          this.#unhandled(
            event,
            `rule ${rule}: target ${target} failed after ${attempt} attempts: ${message}`,
          );
        }
        // Cut short by close(): the event stays in the journal for the next run to deliver.
        return !this.#closed;
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

/** Folds the journal into the events whose rules had not all finished, in the order they were accepted. */
function leftOverEvents(records: BusRecord[]): PendingEvent[] {
  const pending = new Map<string, PendingEvent>();
  for (const r of records) {
    if (r.op === 'event') {
      pending.set(r.event.id, { event: r.event, remaining: new Map(r.rules.map((rule) => [rule, 1])) });
    } else {
      const p = pending.get(r.id);
      p?.remaining.delete(r.rule);
      if (p?.remaining.size === 0) pending.delete(r.id);
    }
  }
  return [...pending.values()];
}

/** Constant-time comparison of two access key ids (hashed, so lengths do not show). */
function sameKey(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(a), h(b));
}

/** Why an entry is not a PutEvents entry at all (wrong types, not an object), or undefined. */
function entryShapeProblem(entry: unknown, index: number): string | undefined {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    return `Entries[${index}] must be an object.`;
  }
  const e = entry as Record<string, unknown>;
  for (const name of ['Source', 'DetailType', 'Detail', 'EventBusName'] as const) {
    if (e[name] !== undefined && typeof e[name] !== 'string')
      return `Entries[${index}].${name} must be a string.`;
  }
  const time = e.Time;
  if (time !== undefined && !(time instanceof Date) && typeof time !== 'number' && typeof time !== 'string') {
    return `Entries[${index}].Time must be a timestamp.`;
  }
  const resources = e.Resources;
  if (
    resources !== undefined &&
    !(Array.isArray(resources) && resources.every((r) => typeof r === 'string'))
  ) {
    return `Entries[${index}].Resources must be a list of strings.`;
  }
  return undefined;
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
