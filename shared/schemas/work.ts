import * as z from 'zod';

const isoTime = z.iso.datetime({ offset: true });

/** One attempt as a message carries it (domain/delivery.ts `Attempt`). */
const CarriedAttempt = z.object({
  n: z.number().int().min(1),
  at: isoTime,
  trigger: z.enum(['scheduled', 'manual']),
  outcome: z.enum(['delivered', 'retry', 'failed']),
  httpStatus: z.number().int().optional(),
  error: z.string().max(2000).optional(),
  durationMs: z.number().min(0),
  skipped: z.literal('circuit-open').optional(),
});

/** A channel queue's message body (see ports/work-queue.ts). */
export const WorkMessage = z.object({
  deliveryId: z.string().regex(/^dlv_[A-Za-z0-9_-]{1,64}$/, 'deliveryId is not one Loa made'),
  trigger: z.enum(['scheduled', 'manual']),
  carry: z
    .object({
      since: z.number().int().min(0),
      attemptCount: z.number().int().min(1),
      attempts: z.array(CarriedAttempt).max(100),
      nextAttemptAt: isoTime,
      lastError: z.string().max(2000).optional(),
    })
    .optional(),
  routed: z
    .object({
      agreementId: z.string().min(1).max(200),
      partnerId: z.string().min(1).max(200),
      channelId: z.string().min(1).max(200),
      channelType: z.enum(['webhook', 'broadcast', 'social']),
      articleId: z.string().min(1).max(200),
      version: z.number().int().min(1),
      title: z.string().max(4000),
      manifest: z.object({ bucket: z.string().min(1), key: z.string().min(1) }),
      createdAt: isoTime,
      reason: z.string().max(200),
      embargoUntil: isoTime.optional(),
      supersedes: z
        .object({ version: z.number().int().min(1), remoteId: z.string().max(2000).optional() })
        .optional(),
      event: z.literal('article.updated').optional(),
    })
    .optional(),
});
