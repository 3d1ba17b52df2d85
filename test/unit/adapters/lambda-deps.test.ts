import { describe, expect, it } from 'vitest';
import { buildDeps } from '#adapters/aws/build-deps.ts';
import type { ServiceName } from '#adapters/aws/client-options.ts';
import { EventBridgePublisher } from '#adapters/aws/eventbridge-publisher.ts';
import { S3PackageStore } from '#adapters/aws/s3-package-store.ts';
import { SqsWorkQueue } from '#adapters/aws/sqs-work-queue.ts';
import { assembleDeps } from '#adapters/aws/wiring/core.ts';
import { PortNotWiredError } from '#adapters/aws/wiring/kit.ts';
import { sqsPorts } from '#adapters/aws/wiring/sqs.ts';
import { testConfig } from '#test/support/memory/deps.ts';

describe('a function built with some port kits', () => {
  it('builds the table and the kits it names, and no other client', () => {
    const watched: ServiceName[] = [];
    const deps = assembleDeps(testConfig(), [sqsPorts], {}, (service) => void watched.push(service));

    expect(watched).toEqual(['dynamo', 'sqs']);
    expect(deps.queue).toBeInstanceOf(SqsWorkQueue);
  });

  it('answers a use of a port it was not given with an error naming the kit to add', async () => {
    const deps = assembleDeps(testConfig(), [sqsPorts]);

    expect(() => deps.packages.getManifest('packages/a/v1/ninjs.json')).toThrow(PortNotWiredError);
    expect(() => deps.publisher.publish([])).toThrow(/publisher\.publish: .* without eventsPorts/);
    expect(() => deps.secrets.get('ref')).toThrow(/without secretsPorts/);
    // Not mistaken for a promise when awaited or returned from an async function.
    await expect(Promise.resolve(deps.facts)).resolves.toBe(deps.facts);
  });

  it('is every client for the local runtime and the tests (buildDeps), as before', () => {
    const watched: ServiceName[] = [];
    const deps = buildDeps(testConfig(), {}, (service) => void watched.push(service));

    expect(watched.sort()).toEqual(['dynamo', 'events', 's3', 'sqs']);
    expect(deps.packages).toBeInstanceOf(S3PackageStore);
    expect(deps.publisher).toBeInstanceOf(EventBridgePublisher);
  });
});
