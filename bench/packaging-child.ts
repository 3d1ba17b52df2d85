/**
 * One job of the packaging benchmark in a process of its own, so that its peak RSS is that job's.
 * bench/packaging.ts bundles this file as the Lambda functions are bundled (no tsx in the process):
 *   package <endpoint> <key> <sample.json> <tag>  packageArticle (S3PackageStore) of the sample article
 *                                                  `bench-video-<tag>`, its one asset <key>
 *   copy <endpoint> <key> <sample.json> <tag>     a plain CopyObjectCommand of the same object to copies/<tag>/
 * It sends one IPC message with what it measured. RSS is sampled every 10 ms; the kernel's
 * high-water mark (resourceUsage().maxRSS) is reported too, as it also sees what falls between samples.
 */
import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { CopyObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from '#adapters/aws/clients.ts';
import { S3PackageStore } from '#adapters/aws/s3-package-store.ts';
import { packageArticle } from '#app/package-article.ts';
import { systemClock } from '#ports/clock.ts';
import type { Article } from '#schemas/article.ts';
import { maxRss, rssSampler } from './memory.ts';

const CONTENT_BUCKET = 'loa-content';
const PACKAGES_BUCKET = 'loa-packages';

async function job(mode: 'package' | 'copy', endpoint: string, key: string, samplePath: string, tag: string) {
  const s3 = s3Client('us-east-1', endpoint);
  const startRss = process.memoryUsage.rss();
  const rss = rssSampler();
  const started = performance.now();
  if (mode === 'copy') {
    await s3.send(
      new CopyObjectCommand({
        Bucket: PACKAGES_BUCKET,
        Key: `copies/${tag}/${key}`,
        CopySource: `${CONTENT_BUCKET}/${key}`,
      }),
    );
  } else {
    const sample = (
      JSON.parse(readFileSync(samplePath, 'utf8')) as {
        Detail: { article: Article };
      }
    ).Detail.article;
    const article: Article = {
      ...sample,
      articleId: `bench-video-${tag}`,
      assets: [
        {
          assetId: 'video-1gb',
          uri: `s3://${CONTENT_BUCKET}/${key}`,
          mimeType: 'video/mp4',
          title: 'Một video 1 GB',
          durationSeconds: 600,
        },
      ],
    };
    const published: unknown[] = [];
    await packageArticle(
      {
        packages: new S3PackageStore({ s3, bucket: PACKAGES_BUCKET }),
        publisher: {
          publish: async (events) => {
            published.push(...events);
          },
        },
        clock: systemClock,
        logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }),
      },
      article,
    );
    if (published.length !== 1) throw new Error('packaging published no PackageReady');
  }
  const ms = performance.now() - started;
  const peakRss = rss.take();
  rss.stop();
  s3.destroy();
  process.send?.({ ms, startRss, peakRss, maxRss: maxRss() });
}

const [mode, endpoint = '', key = '', samplePath = '', tag = 'run'] = process.argv.slice(2);
if (mode === 'package' || mode === 'copy') {
  await job(mode, endpoint, key, samplePath, tag);
  process.disconnect?.();
} else {
  console.error(`unknown mode ${mode}: package or copy`);
  process.exit(2);
}
