import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3PackageStore } from '#adapters/aws/s3-package-store.ts';
import { MissingAssetError, NotFoundError } from '#domain/errors.ts';

const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const mock = mockClient(s3);
const store = new S3PackageStore({ s3, bucket: 'loa-packages' });
const source = { bucket: 'loa-content', key: 'hagiang/2024/ky-ket-vtv4.jpg' };

const serviceError = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });

beforeEach(() => {
  mock.reset();
});

describe('S3PackageStore faults (mocked S3)', () => {
  it('re-throws AccessDenied from CopyObject unchanged rather than calling the asset missing', async () => {
    const denied = serviceError('AccessDenied', 403);
    mock.on(CopyObjectCommand).rejects(denied);

    const copy = store.copyAsset(source, 'packages/a/v1/assets/x/ky-ket-vtv4.jpg');

    await expect(copy).rejects.toBe(denied);
  });

  it('re-throws NoSuchBucket unchanged: a missing bucket is a configuration fault, not a bad article', async () => {
    const noBucket = serviceError('NoSuchBucket', 404);
    mock.on(CopyObjectCommand).rejects(noBucket);

    await expect(store.copyAsset(source, 'packages/a/v1/x.jpg')).rejects.toBe(noBucket);
  });

  it('turns NoSuchKey into MissingAssetError naming bucket and key, keeping the cause', async () => {
    const missing = new NoSuchKey({
      $metadata: { httpStatusCode: 404 },
      message: 'The specified key does not exist.',
    });
    mock.on(CopyObjectCommand).rejects(missing);

    const error = await store.copyAsset(source, 'packages/a/v1/x.jpg').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MissingAssetError);
    expect((error as Error).message).toContain('s3://loa-content/hagiang/2024/ky-ket-vtv4.jpg');
    expect((error as Error).cause).toBe(missing);
  });

  it('copies server-side only: CopyObject then HeadObject, never GetObject', async () => {
    mock.on(CopyObjectCommand).resolves({});
    mock.on(HeadObjectCommand).resolves({ ContentLength: 2862 });

    const result = await store.copyAsset(source, 'packages/a/v1/assets/x/ky-ket-vtv4.jpg');

    expect(result).toEqual({ sizeBytes: 2862 });
    expect(mock.calls().map((c) => c.args[0].constructor.name)).toEqual([
      'CopyObjectCommand',
      'HeadObjectCommand',
    ]);
    expect(mock.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'loa-packages',
      Key: 'packages/a/v1/assets/x/ky-ket-vtv4.jpg',
    });
  });

  it('URL-encodes each segment of CopySource, keeping the slashes', async () => {
    mock.on(CopyObjectCommand).resolves({});
    mock.on(HeadObjectCommand).resolves({ ContentLength: 1 });

    await store.copyAsset({ bucket: 'loa-content', key: 'hà giang/a+b&c=d?.jpg' }, 'packages/a/v1/x.jpg');

    expect(mock.commandCalls(CopyObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'loa-packages',
      Key: 'packages/a/v1/x.jpg',
      CopySource: 'loa-content/h%C3%A0%20giang/a%2Bb%26c%3Dd%3F.jpg',
    });
  });

  it('re-throws a failing HeadObject after the copy unchanged', async () => {
    const throttled = serviceError('SlowDown', 503);
    mock.on(CopyObjectCommand).resolves({});
    mock.on(HeadObjectCommand).rejects(throttled);

    await expect(store.copyAsset(source, 'packages/a/v1/x.jpg')).rejects.toBe(throttled);
  });

  it('reports a missing manifest as NotFoundError', async () => {
    mock
      .on(GetObjectCommand)
      .rejects(new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'missing' }));

    await expect(store.getManifest('packages/a/v1/ninjs.json')).rejects.toThrow(NotFoundError);
  });
});
