/** The stack refuses, before building anything, a wiring it cannot follow faithfully. */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePrefix } from '#app/package-article.ts';
import { REPO_ROOT } from '#infra/constructs/bundling.ts';
import { PACKAGES_KEY_PREFIX } from '#infra/constructs/grants.ts';
import { ACCESS, accessTableMarkdown } from '#infra/stacks/access.ts';
import { createLoaApp } from '#infra/stacks/loa-app.ts';
import { WIRING, type Wiring, WiringError, wiringProblems } from '#infra/stacks/wiring-check.ts';

/** A copy of the real wiring to change in one place. */
const variant = (change: (w: Wiring) => Wiring): Wiring => change(structuredClone(WIRING));

describe('the real wiring', () => {
  it('gives every function an IAM entry, and every IAM entry a function', () => {
    expect(wiringProblems(WIRING, ACCESS)).toEqual([]);
  });
});

describe('a wiring the stack cannot follow', () => {
  it('names a function that has no IAM entry', () => {
    const wiring = variant((w) => ({
      ...w,
      functions: {
        ...w.functions,
        digest: { entry: 'functions/digest/handler.ts', memoryMb: 128, timeoutSeconds: 5 },
      },
    }));

    expect(wiringProblems(wiring, ACCESS)).toEqual([
      'function digest has no IAM entry in ACCESS (infra/stacks/access.ts)',
    ]);
  });

  it('names a queue whose visibility timeout is under six times its consumer timeout', () => {
    const wiring = variant((w) => ({
      ...w,
      // Only the first queue: each queue's problem is named on its own.
      queues: w.queues.map((q, i) => (i === 0 ? { ...q, visibilityTimeoutSeconds: 60 } : q)),
    }));
    const [queue] = WIRING.queues;
    if (!queue) throw new Error('the wiring has no queue');

    expect(wiringProblems(wiring, ACCESS)).toEqual([
      expect.stringMatching(new RegExp(`^queue ${queue.name}: visibility timeout 60s is under 6 ×`)),
    ]);
  });

  it('names subscriptions, schedules, routes and queues that point at no function', () => {
    const wiring = variant((w) => ({
      ...w,
      subscriptions: [
        { rule: 'lost', pattern: { source: ['x'], 'detail-type': ['Y'] }, target: 'nobody' as never },
      ],
      schedules: [
        { name: 'idle', expression: 'rate(1 hour)', everySeconds: 3600, target: 'nobody' as never },
      ],
      httpRoutes: [{ method: 'GET', path: '/x', target: 'nobody' as never, auth: 'none' }],
      queues: w.queues.map((q) => ({ ...q, consumer: 'nobody' as never })),
    }));

    expect(wiringProblems(wiring, ACCESS)).toEqual(
      expect.arrayContaining([
        'subscription lost targets unknown function nobody',
        'schedule idle targets unknown function nobody',
        'route GET /x targets unknown function nobody',
        expect.stringMatching(/is consumed by unknown function nobody$/),
      ]),
    );
  });

  it('names a queue capability for a queue that does not exist', () => {
    const access = { ...ACCESS, route: ['queue:send:email' as never] };

    expect(wiringProblems(WIRING, access)).toEqual([
      'ACCESS gives route queue:send:email, but there is no queue email',
    ]);
  });

  it('stops synthesis with a WiringError before any function is bundled', () => {
    const wiring = variant((w) => ({
      ...w,
      queues: w.queues.map((q) => ({ ...q, visibilityTimeoutSeconds: 1 })),
    }));

    expect(() => createLoaApp({ wiring })).toThrow(WiringError);
  });
});

describe('what the grants assume of the rest of the code', () => {
  it('finds package objects under the prefix the IAM grants name', () => {
    expect(packagePrefix('article', 1).startsWith(PACKAGES_KEY_PREFIX)).toBe(true);
  });

  it('draws every function, rule, queue and route of the wiring in the docs/aws.md diagram', () => {
    const docs = readFileSync(join(REPO_ROOT, 'docs/aws.md'), 'utf8');
    const diagram = /```mermaid\n([\s\S]*?)```/.exec(docs)?.[1] ?? '';
    const names = [
      ...Object.keys(WIRING.functions).map((f) => `λ ${f}`),
      ...WIRING.subscriptions.map((x) => x.rule),
      ...WIRING.schedules.map((x) => `${x.name}: ${x.expression}`),
      ...WIRING.queues.map((q) => `SQS ${q.name}`),
      ...WIRING.httpRoutes.map((r) => `${r.method} ${r.path}`),
    ];

    expect(names.filter((n) => !diagram.includes(n))).toEqual([]);
  });

  it('documents the IAM of every function in docs/aws.md exactly as ACCESS has it', () => {
    const docs = readFileSync(join(REPO_ROOT, 'docs/aws.md'), 'utf8');

    expect(docs).toContain(accessTableMarkdown());
  });
});
