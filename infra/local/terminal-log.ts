/** What `npm start` prints as work happens: one line per failed delivery and per replay. */
import type { ReplayAudit } from '#ports/replay-log.ts';
import { DETAIL_TYPE } from '#schemas/events.ts';
import type { BusEvent } from './bus.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: this pattern exists to find control characters
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;

/** Text from events and records, made safe for a terminal: no control characters or escape sequences. */
const safe = (v: unknown) =>
  String(v ?? '')
    .replace(CONTROL, ' ')
    .slice(0, 200);

/** One line for a `DeliveryFailed` on the bus; undefined for any other event. */
export function failureLine(event: BusEvent): string | undefined {
  if (event['detail-type'] !== DETAIL_TYPE.deliveryFailed) return undefined;
  const d = event.detail;
  return `delivery failed  ${safe(d.agreementId)} ${safe(d.channelId)}  ${safe(d.articleId)} v${safe(d.version)}  after ${safe(d.attempts)} attempt(s): ${safe(d.error)}  (${safe(d.deliveryId)})`;
}

/** One line for a replay the audit log gained. */
export function replayLine(a: ReplayAudit): string {
  return `replay ${safe(a.replayId)}  ${safe(a.kind ?? 'one')} by ${safe(a.requestedBy)}: ${a.count} deliveries  ${safe(JSON.stringify(a.filter))}`;
}
