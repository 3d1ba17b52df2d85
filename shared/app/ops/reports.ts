/** Reports' use cases: the ports the reports read, and the agreements about to expire. */
import type { Deps } from '../deps.ts';

/** What the agreement report, the overview and the fact sealing read. */
export const reportPorts = (deps: Deps) => ({
  agreements: deps.agreements,
  deliveries: deps.deliveries,
  routing: deps.routing,
  facts: deps.facts,
  clock: deps.clock,
});

/** The agreements (not expired) whose term ends within `days` from today, soonest first. */
export async function expiringAgreements(deps: Pick<Deps, 'agreements' | 'clock'>, days: number) {
  const now = deps.clock.now();
  const today = now.toISOString().slice(0, 10);
  const until = new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
  const items = (await deps.agreements.list())
    .filter((a) => a.status !== 'expired' && a.validTo >= today && a.validTo <= until)
    .sort((a, b) => (a.validTo < b.validTo ? -1 : 1))
    .map((a) => ({ agreementId: a.agreementId, partner: a.partner, status: a.status, validTo: a.validTo }));
  return { days, until, items };
}
