import type { Channel } from '#schemas/agreement.ts';
import { type CircuitBreakerPolicy, endpointOf, type SharedCircuit } from './circuit-breaker.ts';

/**
 * Pausing an endpoint that has failed for days: past `pauseAfterMs` without a success, its circuit is
 * `paused` (one write on the shared circuit item). While paused nothing is sent to it: deliveries wait
 * as `held`, and one of them is tried every `probeEveryMs` as a probe. A successful probe or an
 * operator's resume closes the circuit; the held deliveries then go out oldest first (a catch-up job).
 */
export const DEFAULT_PAUSE_AFTER_MS = 5 * 24 * 3_600_000;

/** Whether an endpoint failing since `failingSince` is to be paused at `now`; never when disabled (0). */
export function pauseDue(
  policy: CircuitBreakerPolicy,
  failingSince: number | undefined,
  now: number,
): boolean {
  const after = policy.pauseAfterMs ?? DEFAULT_PAUSE_AFTER_MS;
  return after > 0 && failingSince !== undefined && now - failingSince >= after;
}

/** The shared state that pauses `endpoint` at `now` (the transition written once). */
export function pausedCircuit(
  policy: CircuitBreakerPolicy,
  endpoint: string,
  failingSince: number,
  now: number,
): SharedCircuit {
  return { endpoint, state: 'paused', at: now, openMs: policy.maxOpenMs, failingSince };
}

/** How long until the next probe of a paused circuit (0: due now); `at` is the pause or the last probe. */
export function probeInMs(policy: CircuitBreakerPolicy, paused: SharedCircuit, now: number): number {
  return Math.max(0, paused.at + (policy.probeEveryMs ?? policy.maxOpenMs) - now);
}

/** The shared state that closes `endpoint` at `now`: a resume, or a probe that succeeded. */
export function closedCircuit(policy: CircuitBreakerPolicy, endpoint: string, now: number): SharedCircuit {
  return { endpoint, state: 'closed', at: now, openMs: policy.openMs };
}

/**
 * The endpoint a channel's circuit is kept for, as its adapter names it (`ChannelAdapter.endpoint`):
 * the origin of its URL, or the ingest bucket; a feed has none (it is pulled).
 */
export function channelEndpoint(channel: Channel): string | undefined {
  switch (channel.type) {
    case 'webhook':
      return endpointOf(channel.url);
    case 'broadcast':
      return channel.target === 'http' ? endpointOf(channel.url) : `s3://${channel.bucket}`;
    case 'social':
      return endpointOf(channel.baseUrl);
    default:
      return undefined;
  }
}
