/**
 * Backfill: sends a newly signed agreement the articles routed in the last N days that it covers
 * (each article's latest version), as routing would have had the agreement existed. It runs as a job
 * at a set rate, like a bulk replay, and is audited once.
 */
import { InvalidInputError } from '#domain/errors.ts';
import { decideRoute } from '#domain/routing.ts';
import { JOB_KIND, type OpsJob } from '#ports/job-store.ts';
import type { RoutingRecord } from '#ports/routing-log.ts';
import type { Agreement } from '#schemas/agreement.ts';
import type { Deps } from '../deps.ts';
import { deliverTo } from '../route-package.ts';
import { getAgreement } from './agreements.ts';
import { type JobKindRunner, jobView, startJob } from './job-runner.ts';
import type { BackfillInput } from './schemas.ts';

const DAY_MS = 86_400_000;
/** Routing records a dry run classifies at most (a real run goes through all of them). */
const DRY_RUN_MAX = 5000;

type BackfillDeps = Pick<
  Deps,
  | 'agreements'
  | 'deliveries'
  | 'routing'
  | 'withdrawals'
  | 'replays'
  | 'queue'
  | 'jobStore'
  | 'jobs'
  | 'clock'
>;

/** Why a routed article version is not sent to the agreement by a backfill at `at`; undefined when it is. */
async function whyNot(
  deps: Pick<Deps, 'routing' | 'withdrawals'>,
  r: RoutingRecord,
  { agreement, at }: { agreement: Agreement; at: Date },
): Promise<string | undefined> {
  if (!r.ready) return 'no-package-kept';
  const [latest] = await deps.routing.list(r.articleId);
  if (latest && latest.version > r.version) return 'newer-version';
  const decision = decideRoute(agreement, r.ready, at);
  if (!decision.covered) return decision.reason;
  // The article-level marker ContentWithdrawn writes: true even when no delivery of it was marked.
  if (await deps.withdrawals.get(r.articleId)) return 'article-withdrawn';
  return undefined;
}

async function activeAgreement(deps: Pick<Deps, 'agreements'>, agreementId: string): Promise<Agreement> {
  const agreement = await getAgreement(deps, agreementId);
  if (agreement.status !== 'active') {
    throw new InvalidInputError('agreement cannot receive a backfill', [
      `agreementId: agreement ${agreementId} is ${agreement.status}: nothing is sent under it`,
    ]);
  }
  return agreement;
}

/** Every routing record of the window (newest first), up to `max`. */
async function routedIn(deps: Pick<Deps, 'routing'>, from: string, to: string, max: number) {
  const records: RoutingRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.routing.listBetween(from, to, { limit: 200, ...(cursor && { cursor }) });
    records.push(...page.items);
    cursor = page.cursor;
  } while (cursor && records.length < max);
  return { records: records.slice(0, max), more: Boolean(cursor) || records.length > max };
}

/** Starts a backfill job, or with `dryRun` answers what it would send. */
export async function startBackfill(
  deps: BackfillDeps,
  agreementId: string,
  input: BackfillInput,
  who: string,
) {
  const agreement = await activeAgreement(deps, agreementId);
  const now = deps.clock.now();
  const from = new Date(now.getTime() - input.days * DAY_MS).toISOString();
  const to = now.toISOString();
  if (input.dryRun) {
    const { records, more } = await routedIn(deps, from, to, DRY_RUN_MAX);
    const verdicts = await Promise.all(
      records.map(async (r) => ({ r, why: await whyNot(deps, r, { agreement, at: now }) })),
    );
    const sent = verdicts.filter((v) => !v.why);
    const skipped: Record<string, number> = {};
    for (const v of verdicts) if (v.why) skipped[v.why] = (skipped[v.why] ?? 0) + 1;
    return {
      dryRun: true as const,
      routed: records.length,
      count: sent.length,
      skipped,
      ...(more && { truncatedAt: DRY_RUN_MAX }),
      sample: sent.slice(0, 10).map(({ r }) => ({
        articleId: r.articleId,
        version: r.version,
        title: r.ready?.title,
        routedAt: r.at,
      })),
    };
  }
  const { records } = await routedIn(deps, from, to, Number.MAX_SAFE_INTEGER);
  const job = await startJob(deps, {
    kind: JOB_KIND.backfill,
    idPrefix: 'bkf',
    filter: { agreementId, days: input.days, since: from, until: to },
    version: 'latest',
    ratePerSecond: input.ratePerSecond,
    // Every routed version of the window is looked at; done + skipped reaches this at the end.
    total: records.length,
    requestedBy: who,
    now: to,
  });
  return { dryRun: false as const, backfill: jobView(job) };
}

/** The worker's side: the next routed versions of the window, and routing one to the agreement. */
export function backfillRunner(
  deps: Pick<Deps, 'agreements' | 'deliveries' | 'routing' | 'withdrawals' | 'queue'>,
  job: OpsJob,
): JobKindRunner<RoutingRecord> {
  const { agreementId, since, until } = job.filter as { agreementId: string; since: string; until: string };
  let agreement: Promise<Agreement | undefined> | undefined;
  return {
    next: (current, limit) =>
      deps.routing.listBetween(since, until, {
        limit,
        ...(current.cursor && { cursor: current.cursor }),
      }),
    async act(_current, r, at) {
      agreement ??= deps.agreements.get(agreementId);
      const a = await agreement;
      if (a?.status !== 'active') return `agreement-${a?.status ?? 'gone'}`;
      const why = await whyNot(deps, r, { agreement: a, at });
      if (why || !r.ready) return why ?? 'no-package-kept';
      const out = await deliverTo(deps, [a], r.ready, at, 'backfill');
      return out.created.length > 0 ? true : 'already-delivered';
    },
  };
}
