/**
 * Every change of an agreement, recorded with who and when: each successful non-GET ops call on
 * `/ops/agreements…` is wrapped to compare the agreement before and after (secrets never compared);
 * credentials replacements are recorded by name only. Also: the history endpoint, and renewals.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type AgreementChange, changedFields, trackedFields } from '#domain/agreement-change.ts';
import type { Agreement } from '#schemas/agreement.ts';
import type { Deps } from '../deps.ts';
import { HttpError, json, parseBody } from '../http.ts';
import { RenewInput, renewAgreement } from '../renew-agreement.ts';
import { type OpsRoute, opsRoute, parseQuery } from './route.ts';

const HistoryQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict();

/** `^/ops/agreements/([^/]+)/x$` → `/ops/agreements/{id}/x`, for the change's `action`. */
const pathOf = (r: OpsRoute) =>
  r.pattern.source
    .replace(/^\^|\$$/g, '')
    .replace(/\\\//g, '/')
    .replace(/\(\[\^\/\]\+\)/g, () => '{}')
    .split('{}')
    .map((part, i) => (i === 0 ? part : `{${r.names[i - 1]}}${part}`))
    .join('');

async function record(
  deps: Deps,
  a: { agreementId: string; by: string; action: string; fields: string[] },
  before?: Agreement,
  after?: Agreement,
) {
  const change: AgreementChange = {
    changeId: randomUUID(),
    agreementId: a.agreementId,
    at: deps.clock.now().toISOString(),
    by: a.by,
    action: a.action,
    fields: a.fields,
    ...(before && { before: trackedFields(before) }),
    ...(after && { after: trackedFields(after) }),
  };
  await deps.history.record(change);
}

/** Wraps the agreement-changing routes so each success is recorded (a failed record is logged, not fatal). */
export function withAgreementHistory<R extends OpsRoute>(routes: R[]): R[] {
  return routes.map((r) => {
    const path = pathOf(r);
    if (r.method === 'GET' || !path.startsWith('/ops/agreements') || path.endsWith('/feed-url')) return r;
    const run: OpsRoute['run'] = async (deps, e, p, who) => {
      const id = p.id;
      const before = id ? await deps.agreements.get(id) : undefined;
      const res = await r.run(deps, e, p, who);
      if ((res.statusCode ?? 500) >= 300) return res;
      try {
        const createdId =
          id ?? (JSON.parse(String(res.body ?? '{}')).agreement?.agreementId as string | undefined);
        if (!createdId) return res;
        const after = await deps.agreements.get(createdId);
        const fields = p.channelId
          ? [`credentials:${p.channelId}`]
          : changedFields(before ? trackedFields(before) : {}, after ? trackedFields(after) : {});
        if (fields.length > 0)
          await record(
            deps,
            { agreementId: createdId, by: who, action: `${r.method} ${path}`, fields },
            before,
            after,
          );
      } catch (error) {
        deps.logger.error('agreement change not recorded', { path, error });
      }
      return res;
    };
    return { ...r, run };
  });
}

export const HISTORY_ROUTES: OpsRoute[] = [
  opsRoute('GET', '/ops/agreements/{id}/history', async (deps, e, p) => {
    const { limit } = parseQuery(e, HistoryQuery);
    if (!(await deps.agreements.get(p.id ?? ''))) throw new HttpError(404, `agreement ${p.id} not found`);
    return json(200, { items: await deps.history.list(p.id ?? '', limit) });
  }),
  opsRoute('POST', '/ops/agreements/{id}/renew', async (deps, e, p, who) => {
    const { renewed } = await renewAgreement(deps, p.id ?? '', parseBody(e, RenewInput));
    await record(
      deps,
      {
        agreementId: renewed.agreementId,
        by: who,
        action: `renewal of ${p.id}`,
        fields: Object.keys(trackedFields(renewed)).sort(),
      },
      undefined,
      renewed,
    );
    const location = `/ops/agreements/${encodeURIComponent(renewed.agreementId)}`;
    return json(201, { agreement: renewed }, { location });
  }),
];
