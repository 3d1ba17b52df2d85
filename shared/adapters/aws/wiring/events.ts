import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { localOptions, watched } from '../client-options.ts';
import { EventBridgePublisher } from '../eventbridge-publisher.ts';
import type { PortKit } from './kit.ts';

/** The bus publisher, over one EventBridge client. */
export const eventsPorts: PortKit = (config, hook) => {
  const client = watched(
    'events',
    new EventBridgeClient({ region: config.region, ...localOptions(config, config.endpoints.events) }),
    hook,
  );
  return { publisher: new EventBridgePublisher({ client, busName: config.busName }) };
};
