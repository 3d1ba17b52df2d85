import type * as z from 'zod';
import { newId } from '#domain/ids.ts';
import type { Rejection } from '#ports/rejection-store.ts';
import { BusEnvelope } from '#schemas/events.ts';
import { describeIssues } from '#schemas/issues.ts';
import type { Deps } from './deps.ts';

/** Kept detail per rejection: enough to diagnose, bounded so one bad event cannot bloat the store. */
const MAX_DETAIL_BYTES = 4096;

/** The first `maxBytes` of `s` in UTF-8, cut on a character boundary. */
function truncateUtf8(s: string, maxBytes: number): string {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length <= maxBytes) return s;
  let end = maxBytes;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * Records a refused bus event where operators can see it. The caller then returns normally,
 * which stops the bus retrying an event that can never succeed and lets the next one through.
 */
export async function recordRejection(
  deps: Pick<Deps, 'clock' | 'logger' | 'rejections'>,
  handler: string,
  event: unknown,
  problems: string[],
): Promise<Rejection> {
  // The envelope may itself be what failed, so read its fields defensively.
  const e = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : 'unknown');
  const rejection: Rejection = {
    rejectionId: newId('rej'),
    at: deps.clock.now().toISOString(),
    handler,
    eventId: str(e.id),
    source: str(e.source),
    detailType: str(e['detail-type']),
    problems,
    detail: truncateUtf8(JSON.stringify(e.detail) ?? '', MAX_DETAIL_BYTES),
  };
  deps.logger.warn('event rejected', { ...rejection, detail: undefined });
  await deps.rejections.record(rejection);
  return rejection;
}

/**
 * Reads a bus event's envelope and detail with `schema`; on failure records the rejection (naming
 * the fields at fault) and returns undefined, so the handler acknowledges the event and moves on.
 */
export async function parseBusEvent<T extends z.ZodType>(
  deps: Pick<Deps, 'clock' | 'logger' | 'rejections'>,
  handler: string,
  event: unknown,
  schema: T,
): Promise<{ envelope: BusEnvelope; detail: z.infer<T> } | undefined> {
  const envelope = BusEnvelope.safeParse(event);
  if (!envelope.success) {
    await recordRejection(deps, handler, event, describeIssues(envelope.error));
    return undefined;
  }
  const detail = schema.safeParse(envelope.data.detail);
  if (!detail.success) {
    await recordRejection(deps, handler, envelope.data, describeIssues(detail.error, 'detail'));
    return undefined;
  }
  return { envelope: envelope.data, detail: detail.data };
}
