/**
 * What a channel worker does about a paused endpoint (domain/pause.ts), before and after it sends:
 * hold the delivery (no attempt, no retry spent; its message comes back at the next probe time), let
 * one through as a probe, pause an endpoint that has failed for long enough, and on a probe's success
 * close the circuit and start the catch-up (ops/catch-up.ts).
 */
import type { CircuitBreakers, SharedCircuit } from '#domain/circuit-breaker.ts';
import type { Delivery } from '#domain/delivery.ts';
import { closedCircuit, pauseDue, pausedCircuit, probeInMs } from '#domain/pause.ts';
import type { WorkMessage } from '#ports/work-queue.ts';
import type { Deps } from './deps.ts';
import { startCatchUp } from './ops/catch-up.ts';

/** Send `delivery` (released from held if it was; `probe`: the one try of a paused endpoint), or stop. */
type PauseDecision =
  | { send: true; delivery: Delivery; probe: boolean }
  | { send: false; outcome: 'held' | 'lost-race' };

/** Remembers a circuit this worker just wrote or read, so its next messages see it at once. */
export type Remember = (circuit: SharedCircuit) => void;

/** Before a send: a paused endpoint holds the delivery, or lets it through as the period's one probe. */
export async function pauseGate(
  deps: Deps,
  d: Delivery,
  msg: WorkMessage,
  shared: SharedCircuit | undefined,
  remember: Remember,
): Promise<PauseDecision> {
  const now = deps.clock.now();
  if (shared?.state !== 'paused') return releaseAndSend(deps, d, false, now);
  const wait = probeInMs(deps.config.circuitBreaker, shared, now.getTime());
  // An operator's replay goes through as a probe, like through an open circuit.
  if (msg.trigger === 'manual') return releaseAndSend(deps, d, true, now);
  if (wait === 0 && deps.circuits) {
    // Claims the probe: the pause's time moves to now, so no other worker probes before the next period.
    const claim = { ...shared, at: now.getTime() };
    if (await deps.circuits.replace(shared, claim)) {
      remember(claim);
      return releaseAndSend(deps, d, true, now);
    }
  }
  const period = deps.config.circuitBreaker.probeEveryMs ?? deps.config.circuitBreaker.maxOpenMs;
  return hold(deps, d, wait > 0 ? wait : period, now);
}

async function releaseAndSend(deps: Deps, d: Delivery, probe: boolean, now: Date): Promise<PauseDecision> {
  if (d.status !== 'held') return { send: true, delivery: d, probe };
  const released = await deps.deliveries.release(d.deliveryId, now.toISOString());
  return released ? { send: true, delivery: released, probe } : { send: false, outcome: 'lost-race' };
}

/** Holds a delivery (no attempt) and puts its message back for the next probe (SQS delays stop at 15 min). */
export async function hold(deps: Deps, d: Delivery, waitMs: number, now: Date): Promise<PauseDecision> {
  if (d.status !== 'held' && !(await deps.deliveries.hold(d, now.toISOString()))) {
    return { send: false, outcome: 'lost-race' };
  }
  if (d.channelType !== 'feed') {
    const delaySeconds = Math.min(900, Math.max(1, Math.ceil(waitMs / 1000)));
    await deps.queue.enqueue(
      d.channelType,
      [{ deliveryId: d.deliveryId, trigger: 'scheduled' }],
      delaySeconds,
    );
  }
  return { send: false, outcome: 'held' };
}

/** The pause due for `endpoint` at `now` (failing for `pauseAfterMs` without a success), written; else undefined. */
export async function pauseIfDue(
  deps: Deps,
  circuits: CircuitBreakers,
  endpoint: string,
  nowMs: number,
  remember: Remember,
): Promise<SharedCircuit | undefined> {
  const policy = deps.config.circuitBreaker;
  const since = circuits.failingSince(endpoint);
  if (since === undefined || !pauseDue(policy, since, nowMs)) return undefined;
  const paused = pausedCircuit(policy, endpoint, since, nowMs);
  await deps.circuits?.put(paused);
  remember(paused);
  deps.logger.warn('endpoint paused: failing without a success', {
    endpoint,
    failingSince: new Date(since).toISOString(),
  });
  return paused;
}

/** A probe of a paused endpoint succeeded: the circuit closes and the channel's held deliveries catch up. */
export async function probeSucceeded(
  deps: Deps,
  circuits: CircuitBreakers,
  d: Delivery,
  endpoint: string,
  nowMs: number,
  remember: Remember,
): Promise<void> {
  circuits.recordSuccess(endpoint, nowMs);
  const closed = closedCircuit(deps.config.circuitBreaker, endpoint, nowMs);
  await deps.circuits?.put(closed);
  remember(closed);
  await startCatchUp(deps, { agreementId: d.agreementId, channelId: d.channelId }, 'probe');
}
