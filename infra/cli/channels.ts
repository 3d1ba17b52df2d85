/**
 * How the CLI names an agreement's channels: the kind (`social:x`, `broadcast:s3`) and where it goes.
 * Only fields the API returns are read, and of those never a secret reference: an operator reading a
 * terminal (or a screen share) learns where content goes, not how Loa authenticates there.
 */
import { table } from './format.ts';

/** A channel as the ops API returns it, read loosely: the CLI prints, the API validates. */
export interface ChannelJson {
  channelId?: string;
  type?: string;
  url?: string;
  target?: string;
  bucket?: string;
  prefix?: string;
  roleArn?: string;
  network?: string;
  baseUrl?: string;
  accountId?: string;
}

/** `webhook`, `feed`, `broadcast:http`, `broadcast:s3`, `social:x`… */
export function channelKind(c: ChannelJson): string {
  if (c.type === 'social') return `social:${c.network ?? '?'}`;
  if (c.type === 'broadcast') return `broadcast:${c.target ?? '?'}`;
  return c.type ?? '?';
}

/** Where a channel delivers: a URL, `bucket/prefix`, or the network API's base URL; nothing for a feed. */
function channelTarget(c: ChannelJson): string {
  if (c.type === 'broadcast' && c.target === 's3') return `${c.bucket ?? '?'}/${c.prefix ?? ''}`;
  if (c.type === 'social') return c.baseUrl ?? '';
  return c.url ?? '';
}

/** The account a channel acts as: the page or account id posted as, or the IAM role assumed to write. */
function channelAccount(c: ChannelJson): string {
  if (c.type === 'social') return c.accountId ?? '';
  if (c.type === 'broadcast') return c.roleArn ?? '';
  return '';
}

/**
 * An agreement's channels as a table (what `agreements get` and `create` print under the agreement);
 * with `states` (`GET /ops/agreements/{id}` answers them), each channel's circuit: `paused` is resumed
 * with `loa channels resume`.
 */
export function channelTable(
  channels: ChannelJson[],
  states?: Record<string, { circuit?: string; failingSince?: string }>,
): string {
  return table(channels, {
    CHANNEL: (c) => c.channelId,
    KIND: channelKind,
    TARGET: channelTarget,
    ACCOUNT: channelAccount,
    // Only when a channel is not plainly up (open or paused): a healthy agreement prints as before.
    ...(Object.values(states ?? {}).some((x) => x.circuit !== undefined && x.circuit !== 'closed') && {
      CIRCUIT: (c: ChannelJson) => {
        const s = states?.[c.channelId ?? ''];
        return s?.circuit === 'paused'
          ? `paused (failing since ${s.failingSince ?? '?'})`
          : (s?.circuit ?? '');
      },
    }),
  });
}
