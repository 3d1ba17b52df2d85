/**
 * Seeds an agreement's deliveries straight into the stores (routing record + delivery items), as
 * routing and the workers would have left them, for report tests.
 */

import type { Deps } from '#app/deps.ts';
import type { Delivery, DeliveryStatus } from '#domain/delivery.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';

export interface SeedArticle {
  articleId: string;
  version?: number;
  language?: string;
  topics: readonly string[];
  /** Day and time it was approved and routed (ISO). */
  at: string;
  /** Channel id → [type, status]. */
  channels: Readonly<Record<string, readonly [Delivery['channelType'], DeliveryStatus]>>;
  /** Agreements that routing excluded, with the reason. */
  excludedBy?: Record<string, string>;
  kind?: Delivery['kind'];
}

/** Writes one article version's routing record and its deliveries to `agreementId`; returns the deliveries. */
export async function seedArticle(
  stores: Pick<Deps, 'deliveries' | 'routing'>,
  agreementId: string,
  a: SeedArticle,
): Promise<Delivery[]> {
  const version = a.version ?? 1;
  const routedAt = a.at;
  const deliveredAt = new Date(Date.parse(a.at) + 90_000).toISOString();
  if (a.kind !== 'withdrawal') {
    await stores.routing.record({
      articleId: a.articleId,
      version,
      at: routedAt,
      decisions: [
        { agreementId, covered: true, reason: 'matched', matchedTopics: [...a.topics] },
        ...Object.entries(a.excludedBy ?? {}).map(([id, reason]) => ({
          agreementId: id,
          covered: false,
          reason,
          matchedTopics: [],
        })),
      ],
      ready: {
        articleId: a.articleId,
        version,
        language: a.language ?? 'vi',
        topics: [...a.topics],
        title: 'Sản phẩm OCOP Hà Giang',
        manifest: { bucket: 'loa-packages', key: `packages/${a.articleId}/v${version}/ninjs.json` },
        // Seeded routing records name no stored manifest; the hash is never checked here.
        manifestSha256: '0'.repeat(64),
        assetIds: [],
        packagedAt: new Date(Date.parse(a.at) - 30_000).toISOString(),
      },
    });
  }
  const made: Delivery[] = [];
  for (const [channelId, [channelType, status]] of Object.entries(a.channels)) {
    const done = status === 'delivered' || status === 'failed';
    const d = deliveryFixture({
      agreementId,
      articleId: a.articleId,
      version,
      channelId: a.kind === 'withdrawal' ? `${channelId}-takedown` : channelId,
      channelType,
      status,
      ...(a.kind && { kind: a.kind }),
      createdAt: routedAt,
      updatedAt: done ? deliveredAt : routedAt,
      attemptCount: done ? 1 : 0,
      attempts: done
        ? [
            {
              n: 1,
              at: deliveredAt,
              trigger: 'scheduled',
              outcome: status === 'delivered' ? 'delivered' : 'failed',
              durationMs: 40,
            },
          ]
        : [],
      ...(channelType === 'feed' && { feedAt: routedAt }),
    });
    await stores.deliveries.create(d);
    made.push(d);
  }
  return made;
}
