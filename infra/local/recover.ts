import type { Deps } from '#app/deps.ts';
import { type SweepResult, sweepUnfinished } from '#app/sweep-unfinished.ts';
import { PUSH_CHANNEL_TYPES } from '#ports/work-queue.ts';
import type { LocalQueues } from './queues.ts';

type SweepDeps = Pick<Deps, 'agreements' | 'deliveries' | 'queue' | 'clock' | 'logger'>;

/** Delivery ids the channel queues' live messages name: those deliveries are held, nothing to sweep. */
function heldBy(queues: LocalQueues): (deliveryId: string) => boolean {
  const held = new Set<string>();
  for (const body of PUSH_CHANNEL_TYPES.flatMap((q) => queues.liveBodies(q))) {
    try {
      const id = (JSON.parse(body) as { deliveryId?: unknown }).deliveryId;
      if (typeof id === 'string') held.add(id);
    } catch {
      // Not a work message: the worker drops it; it holds nothing.
    }
  }
  return (deliveryId) => held.has(deliveryId);
}

/**
 * At start, before the queues run: puts back every unfinished delivery no journaled message holds
 * (a crash between creating it and enqueueing it), at its due time. Those held are left to their
 * message, so a restart adds no duplicate.
 */
export function recoverUnfinished(deps: SweepDeps, queues: LocalQueues): Promise<SweepResult> {
  return sweepUnfinished(deps, { staleAfterMs: 0, isHeld: heldBy(queues) });
}

interface LocalSweeper {
  /** One sweep now (tests); the timer keeps running. */
  sweep(): Promise<SweepResult>;
  stop(): Promise<void>;
}

/**
 * The local stand-in for the scheduled sweep function: every `everyMs`, re-enqueues unfinished
 * deliveries that no message holds and nobody has written for `staleAfterMs`.
 */
export function startSweeper(
  deps: SweepDeps,
  queues: LocalQueues,
  options: { everyMs: number; staleAfterMs: number },
): LocalSweeper {
  let running: Promise<SweepResult> | undefined;
  const sweep = () => {
    running ??= sweepUnfinished(deps, { staleAfterMs: options.staleAfterMs, isHeld: heldBy(queues) }).finally(
      () => {
        running = undefined;
      },
    );
    return running;
  };
  const timer = setInterval(() => {
    sweep().catch((error) => deps.logger.error('sweep failed', { error }));
  }, options.everyMs).unref();
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
