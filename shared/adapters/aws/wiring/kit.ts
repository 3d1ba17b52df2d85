import type { Deps } from '#app/deps.ts';
import type { Config } from '#config/config.ts';
import { LoaError } from '#domain/errors.ts';
import type { ClientHook } from '../client-options.ts';

/** The ports one SDK client serves, built over that client: a function takes the kits it uses. */
export type PortKit = (config: Config, hook?: ClientHook) => Partial<Deps>;

/** Ports a kit provides, each named with the kit (see ./s3.ts, ./sqs.ts, ./events.ts, ./secrets.ts). */
export const KIT_PORTS = {
  s3Ports: ['packages', 'facts'],
  sqsPorts: ['queue', 'jobs'],
  eventsPorts: ['publisher'],
  secretsPorts: ['secrets'],
} as const satisfies Record<string, readonly (keyof Deps)[]>;

export class PortNotWiredError extends LoaError {}

/**
 * A port this function was not given: any use of it throws, naming the kit its handler must add
 * (rather than an `undefined` deep in a use case).
 */
export function notWired<K extends keyof Deps>(port: K, kit: keyof typeof KIT_PORTS): NonNullable<Deps[K]> {
  return new Proxy(
    {},
    {
      get: (_target, prop) => {
        // Not a thenable, and printable.
        if (prop === 'then' || typeof prop === 'symbol') return undefined;
        return () => {
          throw new PortNotWiredError(
            `${port}.${prop}: this function was built without ${kit} (add it to its handler's lambdaDeps)`,
          );
        };
      },
    },
  ) as NonNullable<Deps[K]>;
}
