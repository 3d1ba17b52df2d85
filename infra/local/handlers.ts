import type { Context } from 'aws-lambda';
import type { Deps } from '#app/deps.ts';
import { makeHandler as assets } from '#functions/assets/handler.ts';
import { makeHandler as deliverBroadcast } from '#functions/deliver-broadcast/handler.ts';
import { makeHandler as deliverSocial } from '#functions/deliver-social/handler.ts';
import { makeHandler as deliverWebhook } from '#functions/deliver-webhook/handler.ts';
import { makeHandler as feeds } from '#functions/feeds/handler.ts';
import { makeHandler as ops } from '#functions/ops/handler.ts';
import { makeHandler as packageArticle } from '#functions/package/handler.ts';
import { makeHandler as replay } from '#functions/replay/handler.ts';
import { makeHandler as route } from '#functions/route/handler.ts';
import { makeHandler as sealFacts } from '#functions/seal-facts/handler.ts';
import { makeHandler as sweep } from '#functions/sweep/handler.ts';
import { makeHandler as withdraw } from '#functions/withdraw/handler.ts';
import type { FunctionName } from '#infra/wiring.ts';

export type LocalHandler = (event: unknown, context: Context) => Promise<unknown>;

/** Every function of the wiring table, built with the local runtime's deps: the same code Lambda runs. */
export function localHandlers(getDeps: () => Deps): Record<FunctionName, LocalHandler> {
  const asLocal = (h: (event: never, context: Context) => Promise<unknown>): LocalHandler =>
    h as unknown as LocalHandler;
  return {
    package: asLocal(packageArticle(getDeps)),
    route: asLocal(route(getDeps)),
    'deliver-webhook': asLocal(deliverWebhook(getDeps)),
    'deliver-broadcast': asLocal(deliverBroadcast(getDeps)),
    'deliver-social': asLocal(deliverSocial(getDeps)),
    ops: asLocal(ops(getDeps)),
    assets: asLocal(assets(getDeps)),
    feeds: asLocal(feeds(getDeps)),
    withdraw: asLocal(withdraw(getDeps)),
    sweep: asLocal(sweep(getDeps)),
    replay: asLocal(replay(getDeps)),
    'seal-facts': asLocal(sealFacts(getDeps)),
  };
}
