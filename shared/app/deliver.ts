import type { WorkMessage } from '#ports/work-queue.ts';
import { type ChannelAdapters, type DeliverResult, DeliveryWorker } from './delivery-worker.ts';
import type { Deps } from './deps.ts';

export type { ChannelAdapters, DeliverResult } from './delivery-worker.ts';

/** One worker per deps (per cold start; per local runtime): its caches and circuits live as long. */
const workers = new WeakMap<Deps, DeliveryWorker>();

function workerOf(deps: Deps): DeliveryWorker {
  let worker = workers.get(deps);
  if (!worker) {
    worker = new DeliveryWorker(deps);
    workers.set(deps, worker);
  }
  return worker;
}

/**
 * Makes one attempt of a pushed delivery and records its outcome: the entry point of the channel
 * queues' consumers, through the deps' own `DeliveryWorker` (app/delivery-worker.ts).
 */
export function deliver(
  deps: Deps,
  adapters: ChannelAdapters,
  msg: WorkMessage,
  /** Aborts the attempt's requests before the invocation times out (recorded as a timeout, retried). */
  signal?: AbortSignal,
): Promise<DeliverResult> {
  return workerOf(deps).deliver(adapters, msg, signal);
}

/** Ends the message's delivery as failed on the message's last receive (DeliveryWorker.giveUp). */
export function giveUp(
  deps: Deps,
  msg: WorkMessage,
  error: unknown,
  receives: number,
): Promise<DeliverResult> {
  return workerOf(deps).giveUp(msg, error, receives);
}
