import { describe, expect, it, vi } from 'vitest';
import { type BusEvent, LocalBus, type PutEventsEntry } from '#infra/local/bus.ts';
import type { FunctionName, Subscription } from '#infra/wiring.ts';

const approved = { source: ['loa.cms'], 'detail-type': ['ContentApproved'] };
const subscriptions: Subscription[] = [
  { rule: 'package-on-approval', pattern: approved, target: 'package' },
  { rule: 'audit-approval', pattern: approved, target: 'ops' },
  {
    rule: 'route-on-ready',
    pattern: { source: ['loa.package'], 'detail-type': ['PackageReady'] },
    target: 'route',
  },
];

function entry(overrides: Partial<PutEventsEntry> = {}): PutEventsEntry {
  return {
    EventBusName: 'loa',
    Source: 'loa.cms',
    DetailType: 'ContentApproved',
    Detail: JSON.stringify({ article: { id: 'a-1', title: 'Hà Giang — Đặng Quốc Khánh' } }),
    ...overrides,
  };
}

function makeBus(invoke: (fn: FunctionName, event: unknown) => Promise<unknown>, retryDelaysMs = [1, 1]) {
  return new LocalBus({ busName: 'loa', subscriptions, invoke, retryDelaysMs });
}

describe('LocalBus', () => {
  it('delivers an accepted event to every matching target as the Lambda envelope', async () => {
    const invoke = vi.fn(async (_fn: FunctionName, _event: unknown) => undefined);
    const bus = makeBus(invoke);

    const [result] = bus.putEvents([
      entry({ Time: new Date('2026-03-01T08:09:10.123Z'), Resources: ['r1'] }),
    ]);
    await bus.idle();

    expect(invoke.mock.calls.map(([fn]) => fn).sort()).toEqual(['ops', 'package']);
    expect(invoke).toHaveBeenCalledWith('package', {
      version: '0',
      id: result && 'EventId' in result ? result.EventId : 'missing',
      'detail-type': 'ContentApproved',
      source: 'loa.cms',
      account: '000000000000',
      time: '2026-03-01T08:09:10Z',
      region: 'us-east-1',
      resources: ['r1'],
      detail: { article: { id: 'a-1', title: 'Hà Giang — Đặng Quốc Khánh' } },
    });
  });

  it('answers before any target runs', async () => {
    const invoke = vi.fn(async (_fn: FunctionName, _event: unknown) => undefined);
    const bus = makeBus(invoke);

    bus.putEvents([entry()]);
    const calledBeforeIdle = invoke.mock.calls.length;
    await bus.idle();

    expect(calledBeforeIdle).toBe(0);
    expect(invoke).toHaveBeenCalledTimes(2);
  });

  it('refuses each invalid entry with an error code and still accepts the valid ones beside it', async () => {
    const invoke = vi.fn(async (_fn: FunctionName, _event: unknown) => undefined);
    const bus = makeBus(invoke);

    const results = bus.putEvents([
      entry({ Source: undefined }),
      entry({ Detail: '{not json' }),
      entry({ Detail: '[1, 2]' }),
      entry({ EventBusName: 'other' }),
      entry({ EventBusName: undefined }),
      entry({ Detail: JSON.stringify({ text: 'é'.repeat(131_072) }) }),
      entry({ EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/loa' }),
    ]);
    await bus.idle();

    expect(results.map((r) => ('ErrorCode' in r ? r.ErrorCode : 'ok'))).toEqual([
      'InvalidArgument',
      'MalformedDetail',
      'MalformedDetail',
      'ResourceNotFoundException',
      'ResourceNotFoundException',
      'ValidationException',
      'ok',
    ]);
    expect(invoke).toHaveBeenCalledTimes(2);
  });

  it('refuses a request of more than ten entries as a whole', () => {
    const bus = makeBus(vi.fn(async (_fn: FunctionName, _event: unknown) => undefined));

    const put = () => bus.putEvents(Array.from({ length: 11 }, () => entry()));

    expect(put).toThrow(expect.objectContaining({ name: 'ValidationException' }));
  });

  it('retries a failing target twice, then records the failure', async () => {
    const invoke = vi.fn(async (fn: FunctionName) => {
      if (fn === 'package') throw new Error('bucket unavailable');
    });
    const bus = makeBus(invoke);

    bus.putEvents([entry()]);
    await bus.idle();

    expect(invoke.mock.calls.filter(([fn]) => fn === 'package')).toHaveLength(3);
    expect(bus.failures()).toEqual([
      expect.objectContaining({
        rule: 'package-on-approval',
        target: 'package',
        error: 'bucket unavailable',
        attempts: 3,
        event: expect.objectContaining({ source: 'loa.cms' }),
      }),
    ]);
  });

  it('records no failure when a retry succeeds', async () => {
    const invoke = vi.fn().mockRejectedValueOnce(new Error('throttled')).mockResolvedValue(undefined);
    const bus = makeBus(invoke);

    bus.putEvents([entry()]);
    await bus.idle();

    expect(invoke).toHaveBeenCalledTimes(3);
    expect(bus.failures()).toEqual([]);
  });

  it('waits in idle() for the events that targets publish in turn', async () => {
    const seen: string[] = [];
    const bus: LocalBus = makeBus(async (fn, event) => {
      seen.push(fn);
      if (fn === 'package') {
        const { detail } = event as BusEvent;
        bus.putEvents([
          entry({ Source: 'loa.package', DetailType: 'PackageReady', Detail: JSON.stringify(detail) }),
        ]);
      }
    });

    bus.putEvents([entry()]);
    await bus.idle();

    expect(seen.sort()).toEqual(['ops', 'package', 'route']);
  });

  it('cuts a waiting retry short on close and counts the event as failed', async () => {
    let attempted: () => void = () => {};
    const firstAttempt = new Promise<void>((resolve) => {
      attempted = resolve;
    });
    const invoke = vi.fn(async (fn: FunctionName) => {
      if (fn !== 'package') return;
      attempted();
      throw new Error('down');
    });
    const bus = makeBus(invoke, [600_000]);

    bus.putEvents([entry()]);
    await firstAttempt;
    await bus.close();

    expect(invoke.mock.calls.filter(([fn]) => fn === 'package')).toHaveLength(1);
    expect(bus.failures()).toEqual([expect.objectContaining({ target: 'package', attempts: 1 })]);
    expect(() => bus.putEvents([entry()])).toThrow();
  });
});
