import * as z from 'zod';

/** A channel queue's message body (see ports/work-queue.ts). */
export const WorkMessage = z.object({
  deliveryId: z.string().regex(/^dlv_[A-Za-z0-9_-]{1,64}$/, 'deliveryId is not one Loa made'),
  trigger: z.enum(['scheduled', 'manual']),
});
