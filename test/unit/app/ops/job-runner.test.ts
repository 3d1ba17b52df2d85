import { describe, expect, it } from 'vitest';
import type { Deps } from '#app/deps.ts';
import { cancelJob, type JobKindRunner, jobOfKind, runJob, startJob } from '#app/ops/job-runner.ts';
import type { JobStore, OpsJob } from '#ports/job-store.ts';
import type { ReplayAudit } from '#ports/replay-log.ts';

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
  const deps: Pick<Deps, 'jobStore' | 'jobs' | 'clock'> = {
    jobStore: store,
    jobs: { enqueueJob: async (m) => void enqueued.push(m.jobId) },
    clock: { now: () => new Date(now) },
  };
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
  /** One run of job `rpl_1` by `owner`, with the harness's clock. */
  const run = (kind: () => JobKindRunner<number>, owner = 'a', budgetMs = 60_000) =>
    runJob(deps, 'rpl_1', kind, { owner, budgetMs, sleep });
  return { deps, items, enqueued, sleep, advance, run, now: () => now };
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

    const outcome = await h.run(numbers(25, acted));

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

    const first = await h.run(numbers(25, acted), 'a', 1000);
    const afterFirst = structuredClone(h.items.get('rpl_1'));
    const second = await h.run(numbers(25, acted), 'b');

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

    const outcome = await h.run(numbers(25, acted));

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

    const outcome = await h.run(cancelling);

    expect(outcome).toBe('lost-lease');
    expect(h.items.get('rpl_1')).toMatchObject({ status: 'cancelled', done: 0 });
    expect(acted).toHaveLength(10);
  });

  it('does nothing for a job already done', async () => {
    const h = harness({ status: 'done' });

    const outcome = await h.run(numbers(25, []));

    expect(outcome).toBe('finished');
  });
});

describe('starting an operator job', () => {
  const spec = {
    kind: 'backfill' as const,
    idPrefix: 'bkf',
    filter: { agreementId: 'a-1', days: 7 },
    version: 'latest' as const,
    ratePerSecond: 5,
    requestedBy: 'ops',
    now: new Date(T0).toISOString(),
  };
  const starting = () => {
    const h = harness();
    const audits: ReplayAudit[] = [];
    const deps = {
      ...h.deps,
      replays: { record: async (a: ReplayAudit) => void audits.push(a), list: async () => audits },
    };
    return { h, audits, deps };
  };

  it('queues a job with work, audits it once and sends its first message', async () => {
    const { h, audits, deps } = starting();

    const job = await startJob(deps, { ...spec, total: 3 }, { ...spec.filter, ratePerSecond: 5 });

    expect(job.jobId).toMatch(/^bkf_/);
    expect(h.items.get(job.jobId)).toEqual(job);
    expect(job).toMatchObject({ kind: 'backfill', status: 'queued', total: 3, done: 0, skipped: 0, seq: 0 });
    expect(job.finishedAt).toBeUndefined();
    expect(audits).toEqual([
      {
        replayId: job.jobId,
        requestedBy: 'ops',
        requestedAt: spec.now,
        filter: { agreementId: 'a-1', days: 7, ratePerSecond: 5 },
        count: 3,
        deliveryIds: [],
        kind: 'backfill',
      },
    ]);
    expect(h.enqueued).toEqual([job.jobId]);
  });

  it('ends a job with nothing to do at once: done, audited with its own filter, no message', async () => {
    const { h, audits, deps } = starting();

    const job = await startJob(deps, { ...spec, total: 0 });

    expect(job).toMatchObject({ status: 'done', total: 0, finishedAt: spec.now });
    expect(audits.map((a) => [a.count, a.filter])).toEqual([[0, spec.filter]]);
    expect(h.enqueued).toEqual([]);
  });

  it('finds a job by id only under its own kind', async () => {
    const h = harness();

    expect((await jobOfKind(h.deps, 'rpl_1', 'replay')).jobId).toBe('rpl_1');
    await expect(jobOfKind(h.deps, 'rpl_1', 'backfill')).rejects.toThrow('backfill rpl_1 not found');
    await expect(jobOfKind(h.deps, 'rpl_9', 'replay')).rejects.toThrow('replay rpl_9 not found');
  });
});
