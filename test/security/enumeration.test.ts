import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { createFeedAgreement } from '#test/support/ops-fixtures.ts';

const BAD_SIG = 'A'.repeat(43);

// Defect 8: refusing an unknown agreement read DynamoDB on every request (~7 ms), a known one came
// from memory (~2 ms): the time of a 403 told which agreement ids exist. The bench part
// `enumeration` measures the latencies; this counts the reads behind them, which is deterministic.
describe('no enumeration of agreements by timing', () => {
  let loa: TestLoa;
  let reads = 0;
  beforeAll(async () => {
    loa = await startTestLoa({
      clientHook: (service, client) => {
        if (service !== 'dynamo' && service !== 's3') return;
        client.middlewareStack.add(
          (next) => async (args) => {
            reads++;
            return next(args);
          },
          { step: 'initialize', name: 'countReads' },
        );
      },
    });
    await createFeedAgreement(loa, 'enum-known');
  });
  afterAll(async () => loa?.close());

  const refusal = async (agreementId: string, kid = 'k1') => {
    const expires = Math.floor(Date.now() / 1000) + 3600;
    const res = await fetch(
      `${loa.baseUrl}/feeds/${agreementId}.rss?expires=${expires}&kid=${kid}&sig=${BAD_SIG}`,
    );
    return { status: res.status, text: await res.text() };
  };

  it('gives the same answer and does the same storage reads for a known and an unknown agreement', async () => {
    // The first request of each fills the function's cache; what follows is what a prober sees.
    await refusal('enum-known');
    await refusal('enum-unknown');
    await refusal('enum-known', 'k9');

    const cost = async (agreementId: string, kid?: string) => {
      const before = reads;
      const answers = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const r = await refusal(agreementId, kid);
        answers.add(`${r.status} ${r.text}`);
      }
      return { reads: reads - before, answers: [...answers] };
    };
    const known = await cost('enum-known');
    const unknown = await cost('enum-unknown');
    const unknownKid = await cost('enum-known', 'k9');

    expect(unknown.answers).toEqual(known.answers);
    expect(unknownKid.answers).toEqual(known.answers);
    expect(known.answers[0]).toMatch(/^403 /);
    expect(unknown.reads).toBe(known.reads);
    expect(unknownKid.reads).toBe(known.reads);
  });
});
