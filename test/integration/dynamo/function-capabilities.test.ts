/**
 * What a function's code asks of DynamoDB is what its IAM role allows: the sweep function, run as its
 * handler runs it (sweepUnfinished over the Dynamo stores, on dynalite), sends only commands its
 * capabilities in ACCESS grant. Its open lists are read back from the table (BatchGetItem) since the
 * indexes project less than the whole item, which `table:query` alone does not allow: on AWS the
 * sweep would have been refused.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import type { Table } from '#adapters/aws/dynamo-commands.ts';
import { sweepUnfinished } from '#app/sweep-unfinished.ts';
import type { Attempt } from '#domain/delivery.ts';
import { ACCESS, type Capability } from '#infra/stacks/access.ts';
import type { FunctionName } from '#infra/wiring.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { onFreshTable, type TableStores } from '#test/support/dynamo-table.ts';

let stores: TableStores;
onFreshTable((s) => {
  stores = s;
});

/** The capability each DynamoDB command needs (infra/constructs/grants.ts grants them). */
const NEEDS: Record<string, Capability> = {
  GetItemCommand: 'table:get',
  BatchGetItemCommand: 'table:get',
  QueryCommand: 'table:query',
  PutItemCommand: 'table:put',
  UpdateItemCommand: 'table:update',
};

/** Runs `work`, recording the name of every command the table's client sends meanwhile. */
async function commandsOf(table: Table, work: () => Promise<unknown>): Promise<Set<string>> {
  const sent = new Set<string>();
  const name = `record-commands-${Math.random()}`;
  table.client.middlewareStack.add(
    (next, context) => (args) => {
      sent.add(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name },
  );
  try {
    await work();
  } finally {
    table.client.middlewareStack.remove(name);
  }
  return sent;
}

/** The commands among `sent` that `fn`'s capabilities do not allow. */
function refused(fn: FunctionName, sent: Set<string>): string[] {
  const allowed = new Set<string>(ACCESS[fn]);
  return [...sent].filter((c) => !allowed.has(NEEDS[c] ?? `unknown command ${c}`));
}

const failure = (at: string): Attempt => ({
  n: 1,
  at,
  trigger: 'scheduled',
  outcome: 'retry',
  durationMs: 5,
  httpStatus: 503,
  error: 'HTTP 503',
});

describe(`the sweep function's DynamoDB requests against its role (${process.env.LOA_TEST_DYNAMODB ?? 'dynalite'})`, () => {
  it('reads the open lists and their items back with nothing its role does not allow', async () => {
    await stores.agreements.create(agreementFixture({ agreementId: 'quet-lai', validTo: '2099-12-31' }));
    const lost = deliveryFixture({ agreementId: 'quet-lai', articleId: 'a1' });
    await stores.deliveries.create(lost);
    await stores.deliveries.recordOutcome(lost, {
      status: 'retrying',
      attempt: failure('2025-06-01T08:01:00.000Z'),
      nextAttemptAt: '2025-06-01T08:02:00.000Z',
      lastError: 'HTTP 503',
    });
    const enqueued: string[] = [];
    const deps = {
      agreements: stores.agreements,
      deliveries: stores.deliveries,
      queue: {
        enqueue: async (_channel: string, messages: { deliveryId: string }[]) =>
          void enqueued.push(...messages.map((m) => m.deliveryId)),
      },
      clock: { now: () => new Date('2025-06-02T08:00:00Z') },
      logger: new Logger({ logLevel: 'SILENT' }),
    };

    const sent = await commandsOf(stores.table, () =>
      sweepUnfinished(deps as never, { staleAfterMs: 15 * 60_000 }),
    );

    expect(enqueued).toEqual([lost.deliveryId]);
    expect(sent).toContain('BatchGetItemCommand');
    expect(refused('sweep', sent)).toEqual([]);
  });
});
