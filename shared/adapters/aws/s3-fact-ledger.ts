import { gunzipSync, gzipSync } from 'node:zlib';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Fact } from '#domain/fact.ts';
import type { FactLedger, SealedParts } from '#ports/fact-store.ts';

/**
 * Root of the ledger in its bucket; `agreement=`/`month=` are Hive partitions, so Athena (Glue) reads
 * the months. Days sit under `days/`, outside any `month=` partition, so Athena never counts a fact
 * twice while a month's days and its compacted object are both there.
 */
const FACTS_PREFIX = 'facts/';
const FILE = 'facts.ndjson.gz';

const partition = (agreementId: string) => `${FACTS_PREFIX}agreement=${agreementId}/`;
const factKey = (agreementId: string, month: string) => `${partition(agreementId)}month=${month}/${FILE}`;
const dayKey = (agreementId: string, day: string) => `${partition(agreementId)}days/${day}.ndjson.gz`;

function isMissing(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name === 'NoSuchKey' || status === 404;
}

/** Facts as gzipped NDJSON in S3, one object per agreement and month or day (docs/reports.md). */
export class S3FactLedger implements FactLedger {
  readonly #s3: S3Client;
  readonly #bucket: string;

  constructor({ s3, bucket }: { s3: S3Client; bucket: string }) {
    this.#s3 = s3;
    this.#bucket = bucket;
  }

  async sealed(agreementId: string): Promise<SealedParts> {
    const months: string[] = [];
    const days: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#s3.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: partition(agreementId),
          ...(token && { ContinuationToken: token }),
        }),
      );
      for (const o of page.Contents ?? []) {
        const rest = (o.Key ?? '').slice(partition(agreementId).length);
        const m = /^month=(\d{4}-\d{2})\/facts\.ndjson\.gz$/.exec(rest);
        if (m?.[1]) months.push(m[1]);
        const d = /^days\/(\d{4}-\d{2}-\d{2})\.ndjson\.gz$/.exec(rest);
        if (d?.[1]) days.push(d[1]);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return { months: months.sort(), days: days.sort() };
  }

  read(agreementId: string, month: string): Promise<Fact[]> {
    return this.#get(factKey(agreementId, month));
  }

  seal(agreementId: string, month: string, facts: readonly Fact[]): Promise<void> {
    return this.#put(factKey(agreementId, month), facts);
  }

  readDay(agreementId: string, day: string): Promise<Fact[]> {
    return this.#get(dayKey(agreementId, day));
  }

  sealDay(agreementId: string, day: string, facts: readonly Fact[]): Promise<void> {
    return this.#put(dayKey(agreementId, day), facts);
  }

  async dropDays(agreementId: string, days: readonly string[]): Promise<void> {
    // One DeleteObject each (a month's at most): deleting a key that is not there succeeds.
    await Promise.all(
      days.map((day) =>
        this.#s3.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: dayKey(agreementId, day) })),
      ),
    );
  }

  async #get(key: string): Promise<Fact[]> {
    try {
      const out = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      const bytes = await out.Body?.transformToByteArray();
      if (!bytes || bytes.length === 0) return [];
      const text = gunzipSync(bytes).toString('utf8');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Fact);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
  }

  async #put(key: string, facts: readonly Fact[]): Promise<void> {
    const body = gzipSync(facts.map((f) => `${JSON.stringify(f)}\n`).join(''));
    await this.#s3.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        Body: body,
        ContentType: 'application/x-ndjson',
      }),
    );
  }
}
