import middy from '@middy/core';
import type * as z from 'zod';
import type { Deps } from '#app/deps.ts';
import { parseBusEvent } from '#app/record-rejection.ts';
import type { BusEnvelope } from '#schemas/events.ts';

/** An event as a bus target gets it, once its envelope and detail are checked. */
interface BusEvent<T> {
  envelope: BusEnvelope;
  detail: T;
}

/**
 * An EventBridge target's handler: the event's envelope and detail are checked against `schema`
 * first; one that fails is recorded as a rejection under `name` and goes no further.
 */
export function busEventHandler<T extends z.ZodType>(
  getDeps: () => Deps,
  name: string,
  schema: T,
  handle: (deps: Deps, event: BusEvent<z.infer<T>>) => Promise<void>,
) {
  return middy().handler(async (event: unknown): Promise<void> => {
    const deps = getDeps();
    const parsed = await parseBusEvent(deps, name, event, schema);
    if (parsed) await handle(deps, parsed);
  });
}
