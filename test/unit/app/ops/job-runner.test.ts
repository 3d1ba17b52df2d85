import { describe, expect, it } from 'vitest';
import type { Deps } from '#app/deps.ts';
import { cancelJob, type JobKindRunner, runJob } from '#app/ops/job-runner.ts';
import type { JobStore, OpsJob } from '#ports/job-store.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

/** A job store in memory with the same optimistic lock, a recording jobs queue and a clock moved by sleeps. */
function harness(job: Partial<OpsJob> = {}) {
  let now = T0;
  const items = new Map<string, OpsJob>();
  const store: JobStore = {
    create: async (j) => void items.set(j.jobId, structuredClone(j)),
    get: async (id) => structuredClone(items.get(id)),
    save: async (j, expected) => {
      if (items.get(j.jobId)?.seq !== expected) return false;
      items.set(j.jobId, structuredClone(j));
      return true;
    },
  };
  const enqueued: string[] = [];
  const deps = {
    jobStore: store,
    jobs: { enqueueJob: async (m: { jobId: string }) => void enqueued.push(m.jobId) },
    clock: { now: () => new Date(now) },
  } as unknown as Pick<Deps, 'jobStore' | 'jobs' | 'clock'>;
  items.set('rpl_1', {
    jobId: 'rpl_1',
    kind: 'replay',
    filter: {},
    version: 'original',
    ratePerSecond: 10,
    status: 'queued',
    total: 25,
    done: 0,
    skipped: 0,
    skippedReasons: {},
    requestedBy: 'ops',
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    seq: 0,
    ...job,
  });
  const advance = (ms: number) => {
    now += ms;
  };
  const sleep = async (ms: number) => advance(ms);
  return { deps, items, enqueued, sleep, advance, now: () => now };
}

/** Items 0..n-1, paged by a numeric cursor; odd ones are skipped as "odd"; records when each was acted on. */
function numbers(n: number, actedAt: number[]) {
  return (): JobKindRunner<number> => ({
    next: async (job, limit) => {
      const from = Number(job.cursor ?? 0);
      const items = Array.from({ length: Math.max(0, Math.min(limit, n - from)) }, (_, i) => from + i);
      return { items, ...(from + items.length < n && { cursor: String(from + items.length) }) };
    },
    act: async (_job, item, at) => {
      actedAt.push(at.getTime());
      return item % 2 === 0 ? true : 'odd';
    },
  });
}

describe('operator job runs', () => {
  it('works through every item at the rate and ends done with counts by reason', async () => {
    const h = harness();
    const acted: number[] = [];

    const outcome = await runJob(h.deps, 'rpl_1', numbers(25, acted), {
      owner: 'a',
      budgetMs: 60_000,
      sleep: h.sleep,
    });

    expect(outcome).toBe('finished');
    expect(h.items.get('rpl_1')).toMatchObject({
      status: 'done',
      done: 13,
      skipped: 12,
      skippedReasons: { odd: 12 },
    });
    expect(h.items.get('rpl_1')?.leaseOwner).toBeUndefined();
    // 25 items at 10 per second: three windows, never more than 10 in one.
    expect(acted.filter((t) => t < T0 + 1000)).toHaveLength(10);
    expect(Math.max(...acted) - T0).toBeGreaterThanOrEqual(2000);
    expect(h.enqueued).toEqual([]);
  });

  it('hands over to a fresh run when its time is up, and that run keeps the rate across the gap', async () => {
    const h = harness();
    const acted: number[] = [];

    const first = await runJob(h.deps, 'rpl_1', numbers(25, acted), {
      owner: 'a',
      budgetMs: 1000,
      sleep: h.sleep,
    });
    const afterFirst = structuredClone(h.items.get('rpl_1'));
    const second = await runJob(h.deps, 'rpl_1', numbers(25, acted), {
      owner: 'b',
      budgetMs: 60_000,
      sleep: h.sleep,
    });

    expect(first).toBe('handed-over');
    expect(h.enqueued).toEqual(['rpl_1']);
    expect(afterFirst).toMatchObject({ status: 'running', done: 10, skipped: 10, cursor: '20' });
    expect(afterFirst?.leaseOwner).toBeUndefined();
    expect(second).toBe('finished');
    expect(h.items.get('rpl_1')).toMatchObject({ status: 'done', done: 13, skipped: 12 });
    const sorted = [...acted].sort((x, y) => x - y);
    expect(Math.max(...sorted.map((t) => sorted.filter((u) => u >= t && u < t + 1000).length))).toBe(10);
  });

  it('leaves a job alone while another run holds its lease', async () => {
    const h = harness({
      status: 'running',
      leaseOwner: 'other',
      leaseUntil: new Date(T0 + 30_000).toISOString(),
    });
    const acted: number[] = [];

    const outcome = await runJob(h.deps, 'rpl_1', numbers(25, acted), {
      owner: 'a',
      budgetMs: 60_000,
      sleep: h.sleep,
    });

    expect(outcome).toBe('busy');
    expect(acted).toEqual([]);
  });

  it('stops at its next save once the job is cancelled', async () => {
    const h = harness();
    const acted: number[] = [];
    const kind = numbers(25, acted);
    const cancelling = (): JobKindRunner<number> => {
      const inner = kind();
      return {
        next: inner.next,
        act: async (job, item, at) => {
          if (item === 3) await cancelJob(h.deps, 'rpl_1');
          return inner.act(job, item, at);
        },
      };
    };

    const outcome = await runJob(h.deps, 'rpl_1', cancelling, {
      owner: 'a',
      budgetMs: 60_000,
      sleep: h.sleep,
    });

    expect(outcome).toBe('lost-lease');
    expect(h.items.get('rpl_1')).toMatchObject({ status: 'cancelled', done: 0 });
    expect(acted).toHaveLength(10);
  });

  it('does nothing for a job already done', async () => {
    const h = harness({ status: 'done' });

    const outcome = await runJob(h.deps, 'rpl_1', numbers(25, []), {
      owner: 'a',
      budgetMs: 60_000,
      sleep: h.sleep,
    });

    expect(outcome).toBe('finished');
  });
});
