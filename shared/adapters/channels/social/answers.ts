import type { ChannelOutcome } from '#ports/channel-adapter.ts';
import type { HttpResult } from '#ports/http-client.ts';

/** Reading a network's answer: its JSON, its status, and the texts operators see of it. */

export const isSuccess = (status: number) => status >= 200 && status < 300;

/** No answer at all (timeout, reset): a retry, counted against the API's circuit. */
export function noAnswer(
  result: Extract<HttpResult, { kind: 'network-error' }>,
  error: string,
): ChannelOutcome {
  return { verdict: 'retry', error, durationMs: result.durationMs, noAnswer: true };
}

/** A network's JSON answer, or undefined when there is none or it is not JSON (a proxy's HTML page). */
export function parseJson(body: string | undefined): unknown {
  if (body === undefined || body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** `value` cut to at most `max` UTF-16 units (`…` included) without splitting a surrogate pair, for error texts. */
export function clip(value: string, max = 200): string {
  if (value.length <= max) return value;
  const end = /[\uD800-\uDBFF]/.test(value.charAt(max - 2)) ? max - 2 : max - 1;
  return `${value.slice(0, end)}…`;
}
