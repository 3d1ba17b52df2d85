import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETAIL_TYPE, SOURCE } from '#schemas/events.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';

// Defect 4: an approval could copy assets from any bucket the package function could read.
describe('asset source buckets', () => {
  let loa: TestLoa;
  beforeAll(async () => {
    loa = await startTestLoa({ sourceBuckets: ['loa-content', 'loa-shared/press/'] });
    await loa.s3.send(new CreateBucketCommand({ Bucket: 'loa-shared' }));
    for (const Key of ['press/ok.jpg', 'private/secret.jpg']) {
      await loa.s3.send(new PutObjectCommand({ Bucket: 'loa-shared', Key, Body: 'bytes' }));
    }
    // Something Loa itself wrote, in its own packages bucket.
    await loa.deps.packages.putManifest('packages/someone-else/v1/ninjs.json', '{"secret":true}');
  });
  afterAll(async () => loa?.close());

  const approveWith = async (articleId: string, uri: string) => {
    const base = articleFixture({ articleId });
    const article = { ...base, assets: base.assets.map((a) => ({ ...a, uri })) };
    await loa.putEvents([
      { source: SOURCE.cms, detailType: DETAIL_TYPE.contentApproved, detail: { article } },
    ]);
  };

  it('records a rejection for an asset outside the allow-list and packages nothing', async () => {
    await approveWith('src-packages', 's3://loa-packages/packages/someone-else/v1/ninjs.json');
    await approveWith('src-prefix', 's3://loa-shared/private/secret.jpg');
    await approveWith('src-allowed', 's3://loa-shared/press/ok.jpg');
    await loa.settled();

    const rejections = (await loa.ops('GET', '/ops/rejections')).json.items as {
      detail: string;
      problems: string[];
    }[];
    const problemsOf = (id: string) =>
      rejections.filter((r) => r.detail.includes(`"${id}"`)).flatMap((r) => r.problems);
    expect(problemsOf('src-packages')).toEqual([
      expect.stringMatching(/assets\.0\.uri: s3:\/\/loa-packages\/.* is outside the allowed asset sources/),
    ]);
    expect(problemsOf('src-prefix')).toEqual([expect.stringContaining('outside the allowed asset sources')]);
    expect(problemsOf('src-allowed')).toEqual([]);
    await expect(loa.deps.packages.getManifest('packages/src-packages/v1/ninjs.json')).rejects.toThrow(
      /does not exist/,
    );
    await expect(loa.deps.packages.getManifest('packages/src-allowed/v1/ninjs.json')).resolves.toContain(
      'src-allowed',
    );
  });
});
