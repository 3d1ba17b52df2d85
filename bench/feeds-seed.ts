import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deliveryItem } from '#adapters/aws/dynamo-delivery-item.ts';
import type { Deps } from '#app/deps.ts';
import type { Delivery } from '#domain/delivery.ts';
import { toNinjs } from '#formats/ninjs.ts';
import { s3Href } from '#formats/s3-href.ts';
import { readSample } from '#infra/local/samples.ts';
import type { Article } from '#schemas/article.ts';
import { feedDeliveryFixture } from '#test/fixtures/deliveries.ts';

/** Distinct manifests the seeded deliveries point at: a 50-item page reads 50 different documents. */
export const MANIFESTS = 50;

const manifestKey = (n: number) => `packages/bench-${n}/v1/ninjs.json`;

/** Writes MANIFESTS ninjs manifests built from the Vietnamese sample article (real body, one image). */
export async function seedManifests(deps: Pick<Deps, 'packages'>): Promise<void> {
  const sample = (await readSample('content-approved.vi.json')).Detail.article as Article;
  for (let n = 0; n < MANIFESTS; n++) {
    const article: Article = { ...sample, articleId: `bench-${n}`, title: `${sample.title} (${n})` };
    const assets = article.assets.map((a) => ({
      ...a,
      key: `packages/bench-${n}/v1/assets/${a.assetId}/image.jpg`,
      sizeBytes: 48_213,
    }));
    const doc = toNinjs(article, assets, { assetHref: (a) => s3Href(deps.packages.bucket, a.key) });
    await deps.packages.putManifest(manifestKey(n), JSON.stringify(doc));
  }
}

/** A feed delivery of the bench's long history: already acknowledged, so a poll then writes nothing. */
function feedDelivery(agreementId: string, n: number, at: Date): Delivery {
  const createdAt = at.toISOString();
  const articleId = `bench-${agreementId}-${n}`;
  return {
    ...feedDeliveryFixture(agreementId, articleId, manifestKey(n % MANIFESTS), createdAt),
    firstPulledAt: createdAt,
  };
}

/**
 * Writes `count` feed deliveries of one agreement, one second apart and ending a minute before `end`,
 * with BatchWriteItem (25 items a request, `parallel` requests at once). Returns the time it took.
 */
export async function seedDeliveries(
  client: DynamoDBDocumentClient,
  tableName: string,
  agreementId: string,
  count: number,
  end: Date,
  parallel = 4,
): Promise<{ count: number; ms: number }> {
  const started = performance.now();
  const first = end.getTime() - 60_000 - count * 1000;
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < count; i += 25) {
    batches.push(
      Array.from({ length: Math.min(25, count - i) }, (_, k) =>
        deliveryItem(feedDelivery(agreementId, i + k, new Date(first + (i + k) * 1000))),
      ),
    );
  }
  const write = async (items: Record<string, unknown>[]) => {
    let pending = items.map((Item) => ({ PutRequest: { Item } }));
    while (pending.length) {
      const out = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (out.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < batches.length) {
        const batch = batches[next++];
        if (batch) await write(batch);
      }
    }),
  );
  return { count, ms: Math.round(performance.now() - started) };
}
