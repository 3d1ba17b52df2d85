/** zod at the ops edge: query strings and bodies of the operator endpoints. */
import * as z from 'zod';
import { DELIVERY_STATUS, type DeliveryStatus } from '#domain/delivery.ts';
import { AgreementStatus, EmbargoMode } from '#schemas/agreement.ts';
import { Commitments } from '#schemas/report.ts';
import { isoDateTime, language, slug, text, topic } from '#schemas/text.ts';

const STATUSES = Object.values(DELIVERY_STATUS) as [DeliveryStatus, ...DeliveryStatus[]];
/** Statuses a replay starts from: only finished deliveries are reopened. */
const REPLAYABLE = ['failed', 'discarded', 'delivered'] as const;

const filterFields = {
  agreementId: slug('agreementId').optional(),
  channel: slug('channel').optional(),
  articleId: slug('articleId').optional(),
  since: isoDateTime.optional(),
  until: isoDateTime.optional(),
};
const ordered = (f: { since?: string; until?: string }) =>
  !f.since || !f.until || Date.parse(f.since) <= Date.parse(f.until);
const orderMessage = { path: ['until'], message: 'must not be before since' };

/** `GET /ops/deliveries?agreementId&status&channel&articleId&since&until&limit&cursor`. */
export const DeliveryQuery = z
  .object({
    ...filterFields,
    status: z.enum(STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(4096).optional(),
  })
  .strict()
  .refine(ordered, orderMessage);
export type DeliveryQuery = z.infer<typeof DeliveryQuery>;

/** `GET /ops/agreements/{id}/deliveries?status&limit&cursor`. */
export const ListQuery = z.object({
  status: z.enum(STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2048).optional(),
});

/** The filter of a bulk replay: by default the failed deliveries. */
export const ReplayFilter = z
  .object({ ...filterFields, status: z.enum(REPLAYABLE).default('failed') })
  .strict()
  .refine(ordered, orderMessage);
export type ReplayFilter = z.infer<typeof ReplayFilter>;

const ReplayVersionInput = z.enum(['original', 'latest']);

/** `POST /ops/replays`. */
export const StartReplayInput = z
  .object({
    filter: ReplayFilter,
    dryRun: z.boolean().default(false),
    ratePerSecond: z.number().int().min(1).max(500).default(10),
    version: ReplayVersionInput.default('original'),
  })
  .strict();
export type StartReplayInput = z.infer<typeof StartReplayInput>;

/** `POST /ops/deliveries/{id}/replay` (the body is optional). */
export const ReplayOneInput = z.object({ version: ReplayVersionInput.default('original') }).strict();

/** `POST /ops/agreements/{id}/backfill`. */
export const BackfillInput = z
  .object({
    days: z.number().int().min(1).max(90),
    dryRun: z.boolean().default(false),
    ratePerSecond: z.number().int().min(1).max(500).default(10),
  })
  .strict();
export type BackfillInput = z.infer<typeof BackfillInput>;

/** `PATCH /ops/agreements/{id}`: what may change after signing (channels keep their ids and secrets). */
export const UpdateAgreementInput = z
  .object({
    partnerName: text(300).min(1).optional(),
    status: AgreementStatus.optional(),
    validFrom: z.iso.date().optional(),
    validTo: z.iso.date().optional(),
    topics: z.array(topic).min(1).max(100).optional(),
    languages: z.array(language).min(1).max(20).optional(),
    embargo: EmbargoMode.optional(),
    /** New URLs for existing webhook channels, by channel id. */
    webhookUrls: z.record(slug('channelId'), z.url({ protocol: /^https?$/ })).optional(),
    /** Replaces the commitments (docs/reports.md); `[]` removes them. */
    commitments: Commitments.optional(),
    /** Optimistic lock: refuse (409) when the agreement changed since this updatedAt. */
    ifUpdatedAt: isoDateTime.optional(),
  })
  .strict()
  .refine((u) => Object.keys(u).some((k) => k !== 'ifUpdatedAt'), { message: 'nothing to change' });
export type UpdateAgreementInput = z.infer<typeof UpdateAgreementInput>;

/** `GET /ops/articles/{id}/why?agreementId&version`. */
export const WhyQuery = z
  .object({ agreementId: slug('agreementId'), version: z.coerce.number().int().min(1).optional() })
  .strict();

/** `POST /ops/route-preview`: an article not yet approved (only what routing reads is required). */
export const RoutePreviewInput = z
  .object({
    article: z.looseObject({
      articleId: slug('articleId').optional(),
      version: z.number().int().min(1).optional(),
      language,
      topics: z.array(topic).min(1).max(50),
    }),
    at: isoDateTime.optional(),
  })
  .strict();
export type RoutePreviewInput = z.infer<typeof RoutePreviewInput>;

/** `GET /ops/health?hours=24`. */
export const HealthQuery = z.object({ hours: z.coerce.number().int().min(1).max(168).default(24) }).strict();

/** `GET /ops/replays?limit`. */
export const AuditQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict();

/** `GET /ops/agreements/{id}/history?limit`. */
export const HistoryQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(500).default(100) })
  .strict();

/** A `replay` queue message. */
export const JobMessage = z
  .object({ jobId: z.string().regex(/^(rpl|bkf|cu)_[A-Za-z0-9_-]{1,64}$/) })
  .strict();
