/**
 * Explainable routing: why an article version did or did not go to an agreement, from the decision
 * routing stored at the time, and a dry-run route for an article not yet approved.
 */
import type { Delivery } from '#domain/delivery.ts';
import { NotFoundError } from '#domain/errors.ts';
import { decideRoute, ROUTE_REASON, type RouteDecision } from '#domain/routing.ts';
import type { RoutingRecord } from '#ports/routing-log.ts';
import type { Deps } from '../deps.ts';
import type { RoutePreviewInput } from './schemas.ts';

interface ArticleFacts {
  language?: string;
  topics?: readonly string[];
}

/** One sentence per routing reason, with the facts that made it. */
function explainDecision(
  d: { reason: RouteDecision['reason'] | string; matchedTopics: readonly string[] },
  at: string,
  article: ArticleFacts,
) {
  const day = at.slice(0, 10);
  switch (d.reason) {
    case ROUTE_REASON.matched:
      return `covered: the agreement was active and in term on ${day}, took language ${article.language ?? '(not kept)'}, and shares topics ${d.matchedTopics.join(', ')}`;
    case ROUTE_REASON.suspended:
      return `excluded: the agreement was suspended on ${day}`;
    case ROUTE_REASON.expired:
      return `excluded: the agreement was expired on ${day}`;
    case ROUTE_REASON.notStarted:
      return `excluded: the agreement's term had not started on ${day}`;
    case ROUTE_REASON.ended:
      return `excluded: the agreement's term had ended by ${day}`;
    case ROUTE_REASON.language:
      return `excluded: the article's language ${article.language ?? '(not kept)'} is not one the agreement takes`;
    case ROUTE_REASON.topic:
      return `excluded: no topic in common (the article's: ${(article.topics ?? []).join(', ') || '(not kept)'})`;
    case ROUTE_REASON.correction:
      return `covered as a correction: the agreement no longer matches, but it received an earlier version on ${day} or before`;
    default:
      return `${d.reason}`;
  }
}

const deliverySummary = (d: Delivery) => ({
  deliveryId: d.deliveryId,
  channelId: d.channelId,
  channelType: d.channelType,
  status: d.status,
  reason: d.reason,
  attemptCount: d.attemptCount,
  lastError: d.lastError,
  updatedAt: d.updatedAt,
  ...(d.withdrawnAt && { withdrawnAt: d.withdrawnAt }),
});

/** Why `articleId` (its `version`, or its latest) did or did not reach `agreementId`. */
export async function explainRouting(
  deps: Pick<Deps, 'deliveries' | 'routing'>,
  articleId: string,
  agreementId: string,
  version?: number,
) {
  const routings = await deps.routing.list(articleId);
  if (routings.length === 0) throw new NotFoundError(`article ${articleId} was never routed`);
  const record: RoutingRecord | undefined = version
    ? routings.find((r) => r.version === version)
    : routings[0];
  if (!record) throw new NotFoundError(`no routing recorded for ${articleId} version ${version}`);
  const decision = record.decisions.find((d) => d.agreementId === agreementId);
  const deliveries = (await deps.deliveries.listByArticle(articleId)).filter(
    (d) => d.agreementId === agreementId && d.version === record.version,
  );
  const facts = { language: record.ready?.language, topics: record.ready?.topics };
  const explanation = decision
    ? explainDecision(decision, record.at, facts)
    : `not considered: agreement ${agreementId} did not exist when version ${record.version} was routed (${record.at})`;
  const later = deliveries
    .filter((d) => d.reason !== 'matched')
    .map((d) => `${d.channelId}: sent by ${d.reason}`);
  return {
    articleId,
    version: record.version,
    agreementId,
    routedAt: record.at,
    considered: Boolean(decision),
    covered: decision?.covered ?? false,
    reason: decision?.reason ?? 'not-considered',
    matchedTopics: decision?.matchedTopics ?? [],
    explanation: later.length ? `${explanation}; ${later.join('; ')}` : explanation,
    article: { ...facts, title: record.ready?.title },
    delivered: deliveries.some((d) => d.status === 'delivered'),
    deliveries: deliveries.map(deliverySummary),
    versions: routings.map((r) => r.version),
  };
}

/** How routing would decide an article now (or at `at`), for every agreement; nothing is written. */
export async function previewRoute(deps: Pick<Deps, 'agreements' | 'clock'>, input: RoutePreviewInput) {
  const at = input.at ? new Date(input.at) : deps.clock.now();
  const { language, topics } = input.article;
  const article = {
    articleId: input.article.articleId ?? 'preview',
    version: input.article.version ?? 1,
    language,
    topics,
  };
  const agreements = await deps.agreements.list();
  return {
    at: at.toISOString(),
    article: { articleId: article.articleId, language, topics },
    decisions: agreements.map((a) => {
      const d = decideRoute(a, article, at);
      return {
        ...d,
        partner: a.partner,
        channels: d.covered ? a.channels.map((c) => c.channelId) : [],
        explanation: explainDecision(d, at.toISOString(), { language, topics }),
      };
    }),
  };
}
