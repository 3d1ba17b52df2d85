import * as z from 'zod';
import { Article } from './article.ts';
import { isoDateTime, language, line, slug, text, topic } from './text.ts';

/** Event sources on the bus. The CMS publishes approvals; Loa publishes the rest. */
export const SOURCE = {
  cms: 'loa.cms',
  package: 'loa.package',
  delivery: 'loa.delivery',
} as const;

export const DETAIL_TYPE = {
  contentApproved: 'ContentApproved',
  contentWithdrawn: 'ContentWithdrawn',
  packageReady: 'PackageReady',
  deliveryFailed: 'DeliveryFailed',
} as const;
export type DetailType = (typeof DETAIL_TYPE)[keyof typeof DETAIL_TYPE];

export const ContentApproved = z.object({ article: Article }).strict();
export type ContentApproved = z.infer<typeof ContentApproved>;

export const ContentWithdrawn = z
  .object({ articleId: slug('articleId'), reason: text(1000).optional(), withdrawnAt: isoDateTime })
  .strict();
export type ContentWithdrawn = z.infer<typeof ContentWithdrawn>;

/** What routing needs, so route never reads the package itself. */
export const PackageReady = z.object({
  articleId: slug('articleId'),
  version: z.number().int().min(1),
  language,
  topics: z.array(topic).min(1),
  title: line(500),
  embargoUntil: isoDateTime.optional(),
  manifest: z.object({ bucket: z.string().min(3), key: z.string().min(1) }),
  /** SHA-256 (hex) of the manifest's bytes as written: route reads them back and compares. */
  manifestSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (SHA-256)'),
  assetIds: z.array(slug('assetId')),
  packagedAt: isoDateTime,
});
export type PackageReady = z.infer<typeof PackageReady>;

const deliveryRef = {
  deliveryId: z.string().min(1),
  agreementId: slug('agreementId'),
  channelId: slug('channelId'),
  articleId: slug('articleId'),
  version: z.number().int().min(1),
};

/** A delivery that failed for good. Successes are not announced (docs/reliability.md). */
export const DeliveryFailed = z.object({
  ...deliveryRef,
  attempts: z.number().int().min(1),
  error: z.string(),
  at: isoDateTime,
});
export type DeliveryFailed = z.infer<typeof DeliveryFailed>;

/** The EventBridge envelope as a Lambda target receives it. `detail` is validated per detail-type. */
export const BusEnvelope = z.object({
  version: z.string().optional(),
  id: z.string(),
  'detail-type': z.string(),
  source: z.string(),
  time: z.string(),
  account: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.unknown(),
});
export type BusEnvelope = z.infer<typeof BusEnvelope>;

/** One event to publish: what `PutEvents` takes, before serialisation. */
export interface OutgoingEvent {
  source: string;
  detailType: DetailType;
  detail: unknown;
}
