import type { EventPattern } from '#infra/wiring.ts';

/** The fields of an event that the patterns both runtimes use can look at. */
interface PatternSubject {
  source: string;
  'detail-type': string;
}

/**
 * Whether an event matches a rule's pattern, in the EventBridge subset both runtimes use: every
 * key of the pattern lists the exact values allowed for that field; all keys must match.
 */
export function matchesPattern(pattern: EventPattern, event: PatternSubject): boolean {
  // Iterate over the pattern's own keys so a key added to EventPattern is matched, not ignored.
  return (Object.keys(pattern) as (keyof EventPattern)[]).every((key) => {
    const allowed = pattern[key];
    return Array.isArray(allowed) && allowed.includes(event[key]);
  });
}
