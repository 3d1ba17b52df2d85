import type { Deps } from '#app/deps.ts';
import type { Config } from '#config/config.ts';
import type { ClientHook } from './client-options.ts';
import { assembleDeps } from './wiring/core.ts';
import { eventsPorts } from './wiring/events.ts';
import { s3Ports } from './wiring/s3.ts';
import { secretsPorts } from './wiring/secrets.ts';
import { sqsPorts } from './wiring/sqs.ts';

export { dynamoStores } from './wiring/core.ts';

/** Every kit: what the local runtime and the tests build (one Deps for every function). */
export const ALL_KITS = [s3Ports, sqsPorts, eventsPorts, secretsPorts] as const;

/**
 * Wires every port to its adapter for one configuration (the local runtime's, or a test's). A Lambda
 * function builds only the clients it uses: its handler names its kits (`lambdaDeps` in ./wiring/core.ts).
 */
export function buildDeps(config: Config, overrides: Partial<Deps> = {}, hook?: ClientHook): Deps {
  return assembleDeps(config, ALL_KITS, overrides, hook);
}
