import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BusEvent, LocalBus, type LocalBusOptions } from '#infra/local/bus.ts';
import { Journal } from '#infra/local/journal.ts';
import { JournalQueueStore } from '#infra/local/queue-store.ts';
import type { FunctionName, Subscription } from '#infra/wiring.ts';

const dirs: string[] = [];
function tempFile(name = 'journal.jsonl'): string {
  const dir = mkdtempSync(join(tmpdir(), 'loa-journal-'));
  dirs.push(dir);
  return join(dir, 'sub', name);
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('Journal', () => {
  it('reads back what was appended, in order, after a new open', async () => {
    const path = tempFile();
    const j = new Journal<{ n: number }>(path);
    j.append({ n: 1 });
    j.append({ n: 2 });
    await j.sync();

    expect(new Journal<{ n: number }>(path).read()).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('drops a torn last line, as a crash mid-write leaves it', () => {
    const path = tempFile();
    const j = new Journal<{ n: number }>(path);
    j.append({ n: 1 });
    j.close();
    appendFileSync(path, '{"n":2');

    expect(new Journal<{ n: number }>(path).read()).toEqual([{ n: 1 }]);
  });

  it('flushes with one fsync for the callers waiting at once, and again for what came after', async () => {
    const path = tempFile();
    const j = new Journal<{ n: number }>(path);
    j.append({ n: 1 });
    const first = j.sync();
    const same = j.sync();
    j.append({ n: 2 });
    const next = j.sync();

    await Promise.all([first, same, next]);

    expect(same).toBe(first);
    expect(next).not.toBe(first);
    expect(new Journal<{ n: number }>(path).read()).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('replaces its content atomically with rewrite, and appends after it', () => {
    const path = tempFile();
    const j = new Journal<{ n: number }>(path);
    for (let n = 0; n < 5; n++) j.append({ n });
    j.rewrite([{ n: 9 }]);
    j.append({ n: 10 });
    j.close();

    expect(readFileSync(path, 'utf8')).toBe('{"n":9}\n{"n":10}\n');
  });
});

describe('JournalQueueStore', () => {
  const message = (id: string, extra = {}) => ({
    messageId: id,
    body: `{"deliveryId":"dlv_${id}"}`,
    md5: 'x',
    sentAt: 1,
    visibleAt: 1,
    receiveCount: 0,
    ...extra,
  });

  it('finds after a restart every message not deleted, and the dead letters', async () => {
    const path = tempFile();
    const before = new JournalQueueStore(path, ['webhook']);
    before.put('webhook', message('a'));
    before.put('webhook', message('b'));
    before.put('webhook', message('c'));
    before.delete('webhook', 'b');
    before.deadLetter('webhook', message('c', { receiveCount: 5 }));
    await before.sync();

    const after = new JournalQueueStore(path, ['webhook']);

    expect(after.list('webhook').map((m) => m.messageId)).toEqual(['a']);
    expect(after.deadLetters('webhook').map((m) => m.messageId)).toEqual(['c']);
  });

  it('makes a message received before the crash visible at once: its consumer died with the process', () => {
    const path = tempFile();
    const before = new JournalQueueStore(path, ['webhook']);
    before.put('webhook', message('a', { receiveCount: 1, receiptHandle: 'r1', visibleAt: 10_000_000 }));
    before.close();

    const after = new JournalQueueStore(path, ['webhook'], 5_000);

    expect(after.get('webhook', 'a')).toMatchObject({ visibleAt: 5_000, receiveCount: 1 });
  });

  it('keeps a message delayed by its sender delayed', () => {
    const path = tempFile();
    const before = new JournalQueueStore(path, ['webhook']);
    before.put('webhook', message('a', { visibleAt: 10_000_000 }));
    before.close();

    expect(new JournalQueueStore(path, ['webhook'], 5_000).get('webhook', 'a')?.visibleAt).toBe(10_000_000);
  });

  it('compacts the journal on open to the live messages', () => {
    const path = tempFile();
    const before = new JournalQueueStore(path, ['webhook']);
    for (let i = 0; i < 20; i++) {
      before.put('webhook', message(`m${i}`));
      if (i > 0) before.delete('webhook', `m${i}`);
    }
    before.close();

    new JournalQueueStore(path, ['webhook']).close();

    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(1);
  });
});

describe('LocalBus with a journal', () => {
  const subscriptions: Subscription[] = [
    {
      rule: 'package',
      pattern: { source: ['loa.cms'], 'detail-type': ['ContentApproved'] },
      target: 'package',
    },
    { rule: 'audit', pattern: { source: ['loa.cms'], 'detail-type': ['ContentApproved'] }, target: 'ops' },
  ];
  const entry = { EventBusName: 'loa', Source: 'loa.cms', DetailType: 'ContentApproved', Detail: '{"n":1}' };
  /** The bus `loa` with the two subscriptions above. */
  const busWith = (opts: Omit<LocalBusOptions, 'busName' | 'subscriptions'>) =>
    new LocalBus({ busName: 'loa', subscriptions, ...opts });

  it('delivers again, after a restart, an accepted event whose target had not finished', async () => {
    const path = tempFile();
    const first = busWith({
      journalPath: path,
      retryDelaysMs: [],
      // The ops target finishes; the package target "crashes" (never settles).
      invoke: (fn) => (fn === 'ops' ? Promise.resolve() : new Promise(() => undefined)),
    });
    const [accepted] = first.putEvents([entry]);
    await first.sync();
    await new Promise((r) => setTimeout(r, 20));

    const replayed: [FunctionName, BusEvent][] = [];
    const second = busWith({
      journalPath: path,
      invoke: async (fn, e) => void replayed.push([fn, e as BusEvent]),
    });
    const leftOver = second.leftOver;
    second.resume();
    await second.idle();

    expect(leftOver).toBe(1);
    expect(replayed.map(([fn, e]) => [fn, e.id])).toEqual([
      ['package', accepted && 'EventId' in accepted ? accepted.EventId : ''],
    ]);
  });

  it('forgets an event once every target has run', async () => {
    const path = tempFile();
    const first = busWith({ journalPath: path, invoke: async () => undefined });
    first.putEvents([entry]);
    await first.close();

    expect(busWith({ journalPath: path, invoke: async () => undefined }).leftOver).toBe(0);
  });

  it('delivers each event twice to each target when asked to (at-least-once)', async () => {
    const calls: string[] = [];
    const bus = busWith({ deliveriesPerEvent: 2, invoke: async (fn) => void calls.push(fn) });
    bus.putEvents([entry]);
    await bus.idle();

    expect(calls.sort()).toEqual(['ops', 'ops', 'package', 'package']);
  });
});
