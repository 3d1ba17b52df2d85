/** Report inputs at the edge: commitments on an agreement, and the report's query string. */
import * as z from 'zod';
import { topic } from './text.ts';

/** A target per topic and period: `{topic: 'ocop-products', per: 'quarter', atLeast: 6}`. */
export const Commitment = z
  .object({
    topic,
    per: z.enum(['month', 'quarter', 'year', 'term']),
    atLeast: z.number().int().min(1).max(100_000),
  })
  .strict();

export const Commitments = z.array(Commitment).max(50);

const REPORT_FORMATS = ['json', 'csv', 'xlsx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** `?from=&to=&format=`: days, both ends included; the default period is the agreement's term. */
export const ReportQuery = z
  .object({
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
    format: z.enum(REPORT_FORMATS).default('json'),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { path: ['from'], message: 'must not be after to' });
export type ReportQuery = z.infer<typeof ReportQuery>;

/** `?days=`: agreements whose term ends within this many days. */
export const ExpiringQuery = z
  .object({ days: z.coerce.number().int().min(1).max(3660).default(30) })
  .strict();
