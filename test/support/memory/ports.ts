/** The other ports in memory: stores keep what they are given, queues and publishers record it. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { AgreementChange } from '#domain/agreement-change.ts';
import type { SharedCircuit } from '#domain/circuit-breaker.ts';
import { ConflictError, MissingAssetError, NotFoundError } from '#domain/errors.ts';
import type { Fact } from '#domain/fact.ts';
import type { AgreementHistory } from '#ports/agreement-history.ts';
import type { AgreementStore } from '#ports/agreement-store.ts';
import type { CircuitStore } from '#ports/circuit-store.ts';
import type { EventPublisher } from '#ports/event-publisher.ts';
import type { FactLedger, SealedParts } from '#ports/fact-store.ts';
import type { HttpClient, HttpRequest, HttpResult } from '#ports/http-client.ts';
import type { JobMessage, JobQueue } from '#ports/job-queue.ts';
import type { JobStore, OpsJob } from '#ports/job-store.ts';
import type { PackageStore } from '#ports/package-store.ts';
import type { Rejection, RejectionStore } from '#ports/rejection-store.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import type { PushChannelType, WorkMessage, WorkQueue } from '#ports/work-queue.ts';
import type { Agreement } from '#schemas/agreement.ts';
import type { OutgoingEvent } from '#schemas/events.ts';

/** Agreements by id, with the Dynamo store's conflicts. */
export class MemoryAgreementStore implements AgreementStore {
  readonly items = new Map<string, Agreement>();

  constructor(initial: Agreement[] = []) {
    for (const a of initial) this.items.set(a.agreementId, structuredClone(a));
  }

  async create(agreement: Agreement): Promise<void> {
    if (this.items.has(agreement.agreementId))
      throw new ConflictError(`agreement ${agreement.agreementId} already exists`);
    this.items.set(agreement.agreementId, structuredClone(agreement));
  }

  async get(agreementId: string): Promise<Agreement | undefined> {
    return structuredClone(this.items.get(agreementId));
  }

  async update(agreement: Agreement, expectedUpdatedAt: string): Promise<void> {
    if (this.items.get(agreement.agreementId)?.updatedAt !== expectedUpdatedAt)
      throw new ConflictError(`agreement ${agreement.agreementId} changed since it was read, or is gone`);
    this.items.set(agreement.agreementId, structuredClone(agreement));
  }

  async listActive(): Promise<Agreement[]> {
    return (await this.list()).filter((a) => a.status === 'active');
  }

  async list(): Promise<Agreement[]> {
    return [...this.items.values()]
      .map((a) => structuredClone(a))
      .sort((a, b) => a.agreementId.localeCompare(b.agreementId));
  }
}

export class MemoryAgreementHistory implements AgreementHistory {
  readonly items: AgreementChange[] = [];

  async record(change: AgreementChange): Promise<void> {
    this.items.push(structuredClone(change));
  }

  async list(agreementId: string, limit: number): Promise<AgreementChange[]> {
    return this.items
      .filter((c) => c.agreementId === agreementId)
      .sort((a, b) => b.at.localeCompare(a.at))
      .slice(0, limit);
  }
}

/** Objects by `s3://bucket/key`, with the S3 store's errors for what is not there. */
export class MemoryPackageStore implements PackageStore {
  readonly objects = new Map<string, Buffer>();

  constructor(readonly bucket = 'loa-packages') {}

  put(location: { bucket: string; key: string }, body: string | Buffer): void {
    this.objects.set(`s3://${location.bucket}/${location.key}`, Buffer.from(body));
  }

  async copyAsset(
    source: { bucket: string; key: string },
    destinationKey: string,
  ): Promise<{ sizeBytes: number }> {
    const body = this.read(source, 'asset', MissingAssetError);
    this.put({ bucket: this.bucket, key: destinationKey }, body);
    return { sizeBytes: body.length };
  }

  async digest(location: { bucket: string; key: string }): Promise<{ sha256: string; sizeBytes: number }> {
    const body = this.read(location, 'asset', MissingAssetError);
    return { sha256: createHash('sha256').update(body).digest('hex'), sizeBytes: body.length };
  }

  async putManifest(key: string, body: string): Promise<void> {
    this.put({ bucket: this.bucket, key }, body);
  }

  async getManifest(key: string): Promise<string> {
    return this.read({ bucket: this.bucket, key }, 'manifest', NotFoundError).toString('utf8');
  }

  async openObject(key: string): Promise<{ body: Readable; sizeBytes: number }> {
    const body = this.read({ bucket: this.bucket, key }, 'object', NotFoundError);
    return { body: Readable.from([body]), sizeBytes: body.length };
  }

  async presignGet(key: string, expiresInSeconds: number): Promise<string> {
    return `https://${this.bucket}.s3.test/${key}?expires=${expiresInSeconds}`;
  }

  private read(
    location: { bucket: string; key: string },
    what: string,
    missing: new (message: string) => Error,
  ): Buffer {
    const body = this.objects.get(`s3://${location.bucket}/${location.key}`);
    if (!body) throw new missing(`${what} s3://${location.bucket}/${location.key} does not exist`);
    return body;
  }
}

/** Records every event published. */
export class RecordingPublisher implements EventPublisher {
  readonly events: OutgoingEvent[] = [];

  async publish(events: OutgoingEvent[]): Promise<void> {
    this.events.push(...events);
  }
}

/** Records every batch enqueued, and every message in them. */
export class RecordingQueue implements WorkQueue {
  readonly batches: { channel: PushChannelType; messages: WorkMessage[]; delaySeconds: number }[] = [];
  readonly messages: WorkMessage[] = [];

  async enqueue(channel: PushChannelType, messages: WorkMessage[], delaySeconds = 0): Promise<void> {
    this.batches.push({ channel, messages, delaySeconds });
    this.messages.push(...messages);
  }
}

export class RecordingJobQueue implements JobQueue {
  readonly messages: { message: JobMessage; delaySeconds: number }[] = [];

  async enqueueJob(message: JobMessage, delaySeconds = 0): Promise<void> {
    this.messages.push({ message, delaySeconds });
  }
}

export class MemorySecretStore implements SecretStore {
  readonly items = new Map<string, string>();

  async get(ref: string): Promise<string | undefined> {
    return this.items.get(ref);
  }

  async put(ref: string, value: string): Promise<void> {
    this.items.set(ref, value);
  }
}

export class MemoryRejectionStore implements RejectionStore {
  readonly items: Rejection[] = [];

  async record(rejection: Rejection): Promise<void> {
    this.items.push(structuredClone(rejection));
  }

  async list(limit: number): Promise<Rejection[]> {
    return [...this.items].sort((a, b) => b.at.localeCompare(a.at)).slice(0, limit);
  }
}

/** Jobs by id, moved only from the `seq` that was read; `created` lists every job created, in order. */
export class MemoryJobStore implements JobStore {
  readonly items = new Map<string, OpsJob>();
  readonly created: OpsJob[] = [];

  async create(job: OpsJob): Promise<void> {
    if (this.items.has(job.jobId)) throw new ConflictError(`job ${job.jobId} already exists`);
    this.items.set(job.jobId, structuredClone(job));
    this.created.push(structuredClone(job));
  }

  async get(jobId: string): Promise<OpsJob | undefined> {
    return structuredClone(this.items.get(jobId));
  }

  async save(job: OpsJob, expectedSeq: number): Promise<boolean> {
    if (this.items.get(job.jobId)?.seq !== expectedSeq) return false;
    this.items.set(job.jobId, structuredClone(job));
    return true;
  }
}

export class MemoryFactLedger implements FactLedger {
  /** Sealed months, by `agreementId#yyyy-mm`. */
  readonly sealedMonthFacts = new Map<string, Fact[]>();
  /** Sealed days not compacted yet, by `agreementId#yyyy-mm-dd`. */
  readonly sealedDayFacts = new Map<string, Fact[]>();

  async sealed(agreementId: string): Promise<SealedParts> {
    const of = (m: Map<string, Fact[]>) =>
      [...m.keys()]
        .filter((k) => k.startsWith(`${agreementId}#`))
        .map((k) => k.slice(agreementId.length + 1))
        .sort();
    return { months: of(this.sealedMonthFacts), days: of(this.sealedDayFacts) };
  }

  async read(agreementId: string, month: string): Promise<Fact[]> {
    return structuredClone(this.sealedMonthFacts.get(`${agreementId}#${month}`) ?? []);
  }

  async seal(agreementId: string, month: string, facts: readonly Fact[]): Promise<void> {
    this.sealedMonthFacts.set(`${agreementId}#${month}`, structuredClone([...facts]));
  }

  async readDay(agreementId: string, day: string): Promise<Fact[]> {
    return structuredClone(this.sealedDayFacts.get(`${agreementId}#${day}`) ?? []);
  }

  async sealDay(agreementId: string, day: string, facts: readonly Fact[]): Promise<void> {
    this.sealedDayFacts.set(`${agreementId}#${day}`, structuredClone([...facts]));
  }

  async dropDays(agreementId: string, days: readonly string[]): Promise<void> {
    for (const day of days) this.sealedDayFacts.delete(`${agreementId}#${day}`);
  }
}

/** Circuits by endpoint; a transition never overwrites a later one (as in the table). */
export class MemoryCircuitStore implements CircuitStore {
  readonly items = new Map<string, SharedCircuit>();

  async get(endpoint: string): Promise<SharedCircuit | undefined> {
    return structuredClone(this.items.get(endpoint));
  }

  async put(circuit: SharedCircuit): Promise<boolean> {
    const stored = this.items.get(circuit.endpoint);
    if (stored && stored.at > circuit.at) return false;
    this.items.set(circuit.endpoint, structuredClone(circuit));
    return true;
  }

  async replace(expected: SharedCircuit, next: SharedCircuit): Promise<boolean> {
    if (this.items.get(expected.endpoint)?.at !== expected.at) return false;
    this.items.set(next.endpoint, structuredClone(next));
    return true;
  }
}

/** Answers every request with `answer`, recording each; nothing leaves the process. */
export class RecordingHttpClient implements HttpClient {
  readonly sent: HttpRequest[] = [];

  constructor(private readonly answer: (req: HttpRequest) => Promise<HttpResult>) {}

  readonly post: HttpClient['post'] = (url, headers, body, timeoutMs, signal) =>
    this.request({ method: 'POST', url, headers, body, timeoutMs, ...(signal && { signal }) });

  async request(req: HttpRequest): Promise<HttpResult> {
    this.sent.push(req);
    return this.answer(req);
  }
}
