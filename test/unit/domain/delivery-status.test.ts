import { describe, expect, it } from 'vitest';
import { canMove } from '#domain/delivery.ts';
import { deliveryIdFor, webhookMessageId } from '#domain/ids.ts';

describe('delivery status machine', () => {
  it('lets an attempt end a pending or retrying delivery', () => {
    expect(canMove('pending', 'delivered')).toBe(true);
    expect(canMove('retrying', 'failed')).toBe(true);
    expect(canMove('retrying', 'retrying')).toBe(true);
  });

  it('never moves a delivered, failed or discarded delivery except back to pending by a replay', () => {
    for (const terminal of ['delivered', 'failed', 'discarded'] as const) {
      expect(canMove(terminal, 'retrying')).toBe(false);
      expect(canMove(terminal, 'delivered')).toBe(false);
      expect(canMove(terminal, 'pending')).toBe(true);
    }
  });
});

describe('delivery ids', () => {
  it('names the same delivery for the same agreement, channel, article and version', () => {
    expect(deliveryIdFor('a', 'webhook', 'art', 1)).toBe(deliveryIdFor('a', 'webhook', 'art', 1));
  });

  it('names a different delivery when any part differs, including parts that concatenate alike', () => {
    const base = deliveryIdFor('a', 'webhook', 'art', 1);
    expect(deliveryIdFor('a', 'webhook', 'art', 2)).not.toBe(base);
    expect(deliveryIdFor('a', 'feed', 'art', 1)).not.toBe(base);
    expect(deliveryIdFor('ab', 'c', 'x', 1)).not.toBe(deliveryIdFor('a', 'bc', 'x', 1));
  });

  it('derives a webhook-id that stays the same across retries of one delivery', () => {
    const id = deliveryIdFor('a', 'webhook', 'art', 1);
    expect(webhookMessageId(id)).toBe(webhookMessageId(id));
    expect(webhookMessageId(id)).toMatch(/^msg_/);
  });
});
