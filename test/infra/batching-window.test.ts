/**
 * The queues' batching windows in the stack are the wiring's, and every batch over 10 has one (Lambda
 * refuses a batch size over 10 without a window of at least 1 s).
 */
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '#infra/wiring.ts';
import { type Synth, synthLoa, TEMPLATE_ONLY } from './synth.ts';

let s: Synth;
beforeAll(() => {
  s = synthLoa(TEMPLATE_ONLY);
});
afterAll(() => s?.dispose());

describe('event source batching windows', () => {
  it.each(QUEUES.map((q) => [q.name, q] as const))('%s: the wiring batch size and window', (_name, spec) => {
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: spec.batchSize,
      MaximumBatchingWindowInSeconds: spec.maxBatchingWindowSeconds ?? Match.absent(),
      FunctionName: Match.anyValue(),
    });
  });

  it('gives every batch over 10 a window of at least 1 s', () => {
    for (const q of QUEUES.filter((q) => q.batchSize > 10)) {
      expect(q.maxBatchingWindowSeconds ?? 0).toBeGreaterThanOrEqual(1);
    }
  });
});
