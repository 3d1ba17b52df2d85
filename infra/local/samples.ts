import { readdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseS3Uri } from '#schemas/article.ts';

/** The repo's `events/` folder: sample bus payloads, used by the demo, tests and the CLI. */
const EVENTS_DIR = resolve(fileURLToPath(new URL('../../events', import.meta.url)));

interface SampleEntry {
  Source: string;
  DetailType: string;
  Detail: Record<string, unknown>;
}

/** Reads one sample (`content-approved.vi.json`); each is an EventBridge entry with Detail as an object. */
export async function readSample(name: string): Promise<SampleEntry> {
  return JSON.parse(await readFile(join(EVENTS_DIR, name), 'utf8')) as SampleEntry;
}

/** The approval samples, in name order. */
export async function approvalSamples(): Promise<SampleEntry[]> {
  const names = (await readdir(EVENTS_DIR)).filter(
    (n) => n.startsWith('content-approved.') && n.endsWith('.json'),
  );
  return Promise.all(names.sort().map(readSample));
}

/** Uploads, into the content bucket, the sample asset files that the samples' articles reference. */
export async function uploadSampleAssets(s3: S3Client, samples: SampleEntry[]): Promise<number> {
  let uploaded = 0;
  for (const sample of samples) {
    const article = sample.Detail.article as { assets?: { uri: string; mimeType: string }[] } | undefined;
    for (const asset of article?.assets ?? []) {
      const target = parseS3Uri(asset.uri);
      if (!target) continue;
      const body = await readFile(join(EVENTS_DIR, 'assets', basename(target.key)));
      await s3.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: target.key,
          Body: body,
          ContentType: asset.mimeType,
        }),
      );
      uploaded += 1;
    }
  }
  return uploaded;
}
