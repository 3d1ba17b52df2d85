import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Fact } from '#domain/fact.ts';
import type { FactLedger } from '#ports/fact-store.ts';

/** Root of the ledger in its bucket; `agreement=`/`month=` are Hive partitions, so Athena (Glue) reads them. */
const FACTS_PREFIX = 'facts/';
const FILE = 'facts.ndjson.gz';

const partition = (agreementId: string) => `${FACTS_PREFIX}agreement=${agreementId}/`;
const factKey = (agreementId: string, month: string) => `${partition(agreementId)}month=${month}/${FILE}`;

function isMissing(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name === 'NoSuchKey' || status === 404;
}

/** Facts as gzipped NDJSON in S3, one object per agreement and month (docs/reports.md). */
export class S3FactLedger implements FactLedger {
  readonly #s3: S3Client;
  readonly #bucket: string;

  constructor({ s3, bucket }: { s3: S3Client; bucket: string }) {
    this.#s3 = s3;
    this.#bucket = bucket;
  }

  async sealedMonths(agreementId: string): Promise<string[]> {
    const months: string[] = [];
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
        const m = /month=(\d{4}-\d{2})\/facts\.ndjson\.gz$/.exec(o.Key ?? '');
        if (m?.[1]) months.push(m[1]);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return months.sort();
  }

  async read(agreementId: string, month: string): Promise<Fact[]> {
    try {
      const out = await this.#s3.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: factKey(agreementId, month) }),
      );
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

  async seal(agreementId: string, month: string, facts: readonly Fact[]): Promise<void> {
    const body = gzipSync(facts.map((f) => `${JSON.stringify(f)}\n`).join(''));
    await this.#s3.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: factKey(agreementId, month),
        Body: body,
        ContentType: 'application/x-ndjson',
      }),
    );
  }
}
