import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LoaError } from '#domain/errors.ts';
import type { EventPublisher } from '#ports/event-publisher.ts';
import type { OutgoingEvent } from '#schemas/events.ts';

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES = 10;

export class PublishError extends LoaError {}

/** Publishes to the Loa bus; a partially refused batch throws, naming each refusal. */
export class EventBridgePublisher implements EventPublisher {
  constructor(private readonly deps: { client: EventBridgeClient; busName: string }) {}

  async publish(events: OutgoingEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += MAX_ENTRIES) {
      const chunk = events.slice(i, i + MAX_ENTRIES);
      const out = await this.deps.client.send(
        new PutEventsCommand({
          Entries: chunk.map((e) => ({
            EventBusName: this.deps.busName,
            Source: e.source,
            DetailType: e.detailType,
            Detail: JSON.stringify(e.detail),
          })),
        }),
      );
      if (out.FailedEntryCount) {
        const reasons = (out.Entries ?? [])
          .filter((e) => e.ErrorCode)
          .map((e) => `${e.ErrorCode}: ${e.ErrorMessage}`);
        throw new PublishError(`bus refused ${out.FailedEntryCount} event(s): ${reasons.join('; ')}`);
      }
    }
  }
}
