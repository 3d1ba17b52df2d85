import type { OutgoingEvent } from '#schemas/events.ts';

/** Publishes to the bus (EventBridge PutEvents). Throws if any entry is refused. */
export interface EventPublisher {
  publish(events: OutgoingEvent[]): Promise<void>;
}
