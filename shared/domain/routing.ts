import type { Agreement } from '#schemas/agreement.ts';

/** What routing needs to know about an article version. */
interface RoutableArticle {
  articleId: string;
  version: number;
  language: string;
  topics: readonly string[];
}

export const ROUTE_REASON = {
  matched: 'matched',
  suspended: 'excluded:status-suspended',
  expired: 'excluded:status-expired',
  notStarted: 'excluded:term-not-started',
  ended: 'excluded:term-ended',
  language: 'excluded:language',
  topic: 'excluded:topic',
  /** Not matched any more, but it received an earlier version: a correction goes wherever one went. */
  correction: 'correction',
} as const;
type RouteReason = (typeof ROUTE_REASON)[keyof typeof ROUTE_REASON];

export interface RouteDecision {
  agreementId: string;
  covered: boolean;
  reason: RouteReason;
  /** Topics the article and agreement share, for operators asking "why". */
  matchedTopics: string[];
}

/** A language tag covers its regional variants: an agreement for `en` takes `en-GB`. */
function languageCovered(agreementLanguages: readonly string[], articleLanguage: string): boolean {
  const lang = articleLanguage.toLowerCase();
  return agreementLanguages.some((l) => {
    const want = l.toLowerCase();
    return lang === want || lang.startsWith(`${want}-`);
  });
}

/**
 * Decides whether an agreement covers an article version at `now`. The first rule that excludes
 * wins, in a fixed order, so the stored reason is stable.
 */
export function decideRoute(agreement: Agreement, article: RoutableArticle, now: Date): RouteDecision {
  const matchedTopics = article.topics.filter((t) => agreement.topics.includes(t));
  const decision = (reason: RouteReason): RouteDecision => ({
    agreementId: agreement.agreementId,
    covered: reason === ROUTE_REASON.matched,
    reason,
    matchedTopics,
  });
  if (agreement.status === 'suspended') return decision(ROUTE_REASON.suspended);
  if (agreement.status === 'expired') return decision(ROUTE_REASON.expired);
  // Terms are whole days in UTC: validFrom's first instant to validTo's last.
  const today = now.toISOString().slice(0, 10);
  if (today < agreement.validFrom) return decision(ROUTE_REASON.notStarted);
  if (today > agreement.validTo) return decision(ROUTE_REASON.ended);
  if (!languageCovered(agreement.languages, article.language)) return decision(ROUTE_REASON.language);
  if (matchedTopics.length === 0) return decision(ROUTE_REASON.topic);
  return decision(ROUTE_REASON.matched);
}

/**
 * A correction reaches every agreement that received an earlier version of the article, even when its
 * topics or languages no longer match; not one that may receive nothing now (suspended, expired, out
 * of term), which the send-time rules would refuse anyway.
 */
export function withCorrection(decision: RouteDecision, receivedEarlier: boolean): RouteDecision {
  if (decision.covered || !receivedEarlier) return decision;
  const blocked: readonly RouteReason[] = [
    ROUTE_REASON.suspended,
    ROUTE_REASON.expired,
    ROUTE_REASON.notStarted,
    ROUTE_REASON.ended,
  ];
  if (blocked.includes(decision.reason)) return decision;
  return { ...decision, covered: true, reason: ROUTE_REASON.correction };
}
