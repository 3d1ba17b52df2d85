import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetPath, linkSigner } from '#domain/signed-links.ts';
import { DETAIL_TYPE, SOURCE } from '#schemas/events.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { approve } from '#test/support/ops-fixtures.ts';

const ARTICLE = 'sec-asset-article';

async function makeAgreement(loa: TestLoa, agreementId: string, topics: string[]) {
  const res = await loa.ops('POST', '/ops/agreements', {
    agreementId,
    partner: { partnerId: `${agreementId}-partner`, name: 'Báo Hà Giang' },
    validFrom: '2024-01-01',
    validTo: '2099-12-31',
    topics,
    languages: ['vi'],
    channels: [{ type: 'feed' }],
  });
  expect(res.status).toBe(201);
}

// Defect 3: signed asset links outlived a takedown, and one could be minted for any package key.
describe('signed asset links', () => {
  let loa: TestLoa;
  let packageKey: string;
  /** A correctly signed link to `key` under `agreementId`'s own key, as Loa would mint it. */
  const link = async (agreementId: string, key: string) => {
    const agreement = await loa.deps.agreements.get(agreementId);
    if (!agreement) throw new Error(`no agreement ${agreementId}`);
    const sign = await linkSigner(
      loa.deps.secrets,
      agreement,
      loa.baseUrl,
      Math.floor(Date.now() / 1000) + 3600,
    );
    return sign?.(assetPath(agreementId, key)) ?? '';
  };
  const get = (url: string) => fetch(url, { redirect: 'manual' });

  beforeAll(async () => {
    loa = await startTestLoa();
    await makeAgreement(loa, 'sec-covered', ['infrastructure']);
    await makeAgreement(loa, 'sec-other', ['culture-tourism']);
    const article = await approve(loa, ARTICLE);
    await loa.settled();
    const asset = article.assets[0];
    if (!asset) throw new Error('the fixture has an asset');
    const basename = asset.uri.slice(asset.uri.lastIndexOf('/') + 1);
    packageKey = `packages/${ARTICLE}/v1/assets/${asset.assetId}/${basename}`;
  });
  afterAll(async () => loa?.close());

  it('redirects for an asset of a package delivered to the agreement', async () => {
    const res = await get(await link('sec-covered', packageKey));
    expect(res.status).toBe(302);
  });

  it('refuses (403) a signed link to an asset never routed to that agreement, or to a package file that is not an asset', async () => {
    const other = await get(await link('sec-other', packageKey));
    expect(other.status).toBe(403);
    expect(await other.text()).toContain('not delivered');
    const manifest = await get(await link('sec-covered', `packages/${ARTICLE}/v1/ninjs.json`));
    expect(manifest.status).toBe(403);
  });

  it('answers 410 Gone once the article is withdrawn, for a link signed before', async () => {
    const url = await link('sec-covered', packageKey);
    await loa.putEvents([
      {
        source: SOURCE.cms,
        detailType: DETAIL_TYPE.contentWithdrawn,
        detail: { articleId: ARTICLE, withdrawnAt: new Date().toISOString() },
      },
    ]);
    await loa.settled();
    const res = await get(url);
    expect(res.status).toBe(410);
  });
});
