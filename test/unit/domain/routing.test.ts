import { describe, expect, it } from 'vitest';
import { decideRoute, ROUTE_REASON, withCorrection } from '#domain/routing.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';

const article = { articleId: 'a1', version: 1, language: 'vi', topics: ['infrastructure', 'ocop-products'] };
const now = new Date('2025-06-01T08:00:00Z');

describe('decideRoute', () => {
  it('covers an article sharing a topic and language within the term of an active agreement', () => {
    const decision = decideRoute(agreementFixture(), article, now);
    expect(decision).toEqual({
      agreementId: 'vtv4-hagiang',
      covered: true,
      reason: ROUTE_REASON.matched,
      matchedTopics: ['infrastructure'],
    });
  });

  it('routes a translation by its own language: the story reaches each partner in the languages it signed for', () => {
    const original = { ...article, articleId: 'ky-ket', language: 'vi' };
    const translation = { ...article, articleId: 'ky-ket-en', language: 'en' };
    const abroad = agreementFixture({ agreementId: 'vtv4', languages: ['vi', 'en'] });
    const provincial = agreementFixture({ agreementId: 'bao-ha-giang', languages: ['vi'] });
    const english = agreementFixture({ agreementId: 'vietnam-news', languages: ['en'] });

    const covered = (a: typeof original) =>
      [abroad, provincial, english].filter((g) => decideRoute(g, a, now).covered).map((g) => g.agreementId);

    expect(covered(original)).toEqual(['vtv4', 'bao-ha-giang']);
    expect(covered(translation)).toEqual(['vtv4', 'vietnam-news']);
    expect(decideRoute(english, original, now).reason).toBe(ROUTE_REASON.language);
  });

  it('excludes a suspended agreement before looking at anything else', () => {
    const decision = decideRoute(agreementFixture({ status: 'suspended', topics: ['other'] }), article, now);
    expect(decision.reason).toBe(ROUTE_REASON.suspended);
    expect(decision.covered).toBe(false);
  });

  it('excludes an expired agreement', () => {
    expect(decideRoute(agreementFixture({ status: 'expired' }), article, now).reason).toBe(
      ROUTE_REASON.expired,
    );
  });

  it('excludes an agreement whose term has not started or has ended', () => {
    expect(decideRoute(agreementFixture({ validFrom: '2025-06-02' }), article, now).reason).toBe(
      ROUTE_REASON.notStarted,
    );
    expect(decideRoute(agreementFixture({ validTo: '2025-05-31' }), article, now).reason).toBe(
      ROUTE_REASON.ended,
    );
  });

  it('treats the last day of the term as inside it', () => {
    expect(decideRoute(agreementFixture({ validTo: '2025-06-01' }), article, now).covered).toBe(true);
  });

  it('excludes an article in a language the agreement does not take', () => {
    const decision = decideRoute(agreementFixture({ languages: ['en'] }), article, now);
    expect(decision.reason).toBe(ROUTE_REASON.language);
  });

  it('lets a base language cover its regional variants but not the reverse', () => {
    expect(
      decideRoute(agreementFixture({ languages: ['en'] }), { ...article, language: 'en-GB' }, now).covered,
    ).toBe(true);
    expect(
      decideRoute(agreementFixture({ languages: ['en-GB'] }), { ...article, language: 'en' }, now).covered,
    ).toBe(false);
  });

  it('excludes an article sharing no topic', () => {
    const decision = decideRoute(agreementFixture(), { ...article, topics: ['border-security'] }, now);
    expect(decision).toMatchObject({ covered: false, reason: ROUTE_REASON.topic, matchedTopics: [] });
  });
});

describe('withCorrection', () => {
  const article = { articleId: 'a1', version: 2, language: 'vi', topics: ['border-security'] };
  const at = new Date('2026-03-01T08:00:00Z');

  it('covers an agreement that no longer matches when it received an earlier version', () => {
    const decision = decideRoute(agreementFixture(), article, at);

    expect(withCorrection(decision, true)).toMatchObject({ covered: true, reason: 'correction' });
    expect(withCorrection(decision, false)).toMatchObject({ covered: false, reason: 'excluded:topic' });
  });

  it('sends no correction to a suspended agreement or one out of term', () => {
    const suspended = decideRoute(agreementFixture({ status: 'suspended' }), article, at);
    const ended = decideRoute(agreementFixture({ validTo: '2026-02-28' }), article, at);

    expect(withCorrection(suspended, true).covered).toBe(false);
    expect(withCorrection(ended, true).reason).toBe('excluded:term-ended');
  });
});
