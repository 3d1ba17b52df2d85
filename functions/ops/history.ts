/**
 * Every change of an agreement is recorded with who and when: each successful non-GET ops call on
 * `/ops/agreements…` (a feed URL mint changes nothing) is wrapped to compare the agreement before and after.
 */
import { recordChangeSince } from '#app/ops/agreement-history.ts';
import type { OpsRoute } from './router.ts';

/** Wraps the agreement-changing routes so each success is recorded (a failed record is logged, not fatal). */
export function withAgreementHistory(routes: OpsRoute[]): OpsRoute[] {
  return routes.map((r) => {
    const { path } = r;
    if (r.method === 'GET' || !path.startsWith('/ops/agreements') || path.endsWith('/feed-url')) return r;
    const run: OpsRoute['run'] = async (deps, e, p, who) => {
      const id = p.id;
      const before = id ? await deps.agreements.get(id) : undefined;
      const res = await r.run(deps, e, p, who);
      if ((res.statusCode ?? 500) >= 300) return res;
      try {
        const agreementId =
          id ?? (JSON.parse(String(res.body ?? '{}')).agreement?.agreementId as string | undefined);
        if (!agreementId) return res;
        const change = { agreementId, by: who, action: `${r.method} ${path}`, channelId: p.channelId };
        await recordChangeSince(deps, change, before);
      } catch (error) {
        deps.logger.error('agreement change not recorded', { path, error });
      }
      return res;
    };
    return { ...r, run };
  });
}
