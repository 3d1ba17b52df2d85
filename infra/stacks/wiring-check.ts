/**
 * The topology the stack builds from, and the checks it must pass before anything is built:
 * a wiring the stack cannot follow faithfully fails synthesis with every problem named.
 */
import {
  BUS_NAME,
  FUNCTIONS,
  type FunctionSpec,
  HTTP_ROUTES,
  type HttpRoute,
  QUEUES,
  type QueueSpec,
  SCHEDULES,
  type Schedule,
  SUBSCRIPTIONS,
  type Subscription,
} from '#infra/wiring.ts';
import type { AccessTable } from './access.ts';

/** infra/wiring.ts as one value, so tests can hand the stack a variant. */
export interface Wiring {
  busName: string;
  functions: Readonly<Record<string, FunctionSpec>>;
  subscriptions: readonly Subscription[];
  schedules: readonly Schedule[];
  queues: readonly QueueSpec[];
  httpRoutes: readonly HttpRoute[];
}

export const WIRING: Wiring = {
  busName: BUS_NAME,
  functions: FUNCTIONS,
  subscriptions: SUBSCRIPTIONS,
  schedules: SCHEDULES,
  queues: QUEUES,
  httpRoutes: HTTP_ROUTES,
};

/** AWS's advice for SQS event sources: a visibility timeout of at least six times the function timeout. */
export const VISIBILITY_FACTOR = 6;

export class WiringError extends Error {
  override name = 'WiringError';
}

/** Every problem that stops the stack from following the wiring; empty when it can. */
export function wiringProblems(wiring: Wiring, access: AccessTable): string[] {
  const problems: string[] = [];
  const fnNames = Object.keys(wiring.functions);
  const known = (fn: string) => fnNames.includes(fn);
  for (const fn of fnNames) {
    if (!access[fn]) problems.push(`function ${fn} has no IAM entry in ACCESS (infra/stacks/access.ts)`);
  }
  for (const fn of Object.keys(access)) {
    if (!known(fn)) problems.push(`ACCESS names ${fn}, which is not in the wiring's FUNCTIONS`);
  }
  const queueNames = wiring.queues.map((q) => q.name as string);
  for (const [fn, caps] of Object.entries(access)) {
    for (const cap of caps ?? []) {
      const queue = cap.startsWith('queue:send:') ? cap.slice('queue:send:'.length) : undefined;
      if (queue !== undefined && !queueNames.includes(queue)) {
        problems.push(`ACCESS gives ${fn} ${cap}, but there is no queue ${queue}`);
      }
    }
  }
  for (const s of wiring.subscriptions) {
    if (!known(s.target)) problems.push(`subscription ${s.rule} targets unknown function ${s.target}`);
  }
  for (const x of wiring.schedules) {
    if (!known(x.target)) problems.push(`schedule ${x.name} targets unknown function ${x.target}`);
  }
  for (const r of wiring.httpRoutes) {
    if (!known(r.target)) problems.push(`route ${r.method} ${r.path} targets unknown function ${r.target}`);
  }
  for (const q of wiring.queues) {
    const consumer = wiring.functions[q.consumer];
    if (!consumer) {
      problems.push(`queue ${q.name} is consumed by unknown function ${q.consumer}`);
      continue;
    }
    const min = VISIBILITY_FACTOR * consumer.timeoutSeconds;
    if (q.visibilityTimeoutSeconds < min) {
      problems.push(
        `queue ${q.name}: visibility timeout ${q.visibilityTimeoutSeconds}s is under ${VISIBILITY_FACTOR} × ` +
          `${q.consumer}'s ${consumer.timeoutSeconds}s timeout (${min}s)`,
      );
    }
  }
  return problems;
}

/** Throws a WiringError listing every problem, before any resource (or bundle) is made. */
export function assertWiring(wiring: Wiring, access: AccessTable): void {
  const problems = wiringProblems(wiring, access);
  if (problems.length)
    throw new WiringError(`the stack cannot follow the wiring:\n- ${problems.join('\n- ')}`);
}
