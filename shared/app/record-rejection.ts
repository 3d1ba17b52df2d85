import { newId } from '#domain/ids.ts';
import type { Rejection } from '#ports/rejection-store.ts';
import type { Deps } from './deps.ts';

/** Kept detail per rejection: enough to diagnose, bounded so one bad event cannot bloat the store. */
const MAX_DETAIL_BYTES = 4096;

/** The first `maxBytes` of `s` in UTF-8, cut on a character boundary. */
export function truncateUtf8(s: string, maxBytes: number): string {
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
