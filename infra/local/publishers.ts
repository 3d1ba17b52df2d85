import { randomBytes } from 'node:crypto';
import type { Publisher } from '#infra/local/bus.ts';
import { SOURCE } from '#schemas/events.ts';

/**
 * The access key id the CMS (and the demo, the tests, `curl` scripts acting as the CMS) signs its
 * PutEvents calls with locally. It may put `loa.cms` events only, as `docs/aws.md`'s CMS policy allows.
 */
export const LOCAL_CMS_ACCESS_KEY_ID = 'LOACMSLOCAL';

/** A fresh key id for Loa's own functions: known to this process only, so no other caller can pass for Loa. */
export function newLoaAccessKeyId(): string {
  return `LOA${randomBytes(16).toString('hex').toUpperCase()}`;
}

/** Who may put what on the local bus: Loa's functions any Loa source, the CMS `loa.cms` only. */
export function localPublishers(loaKeyId: string, cmsKeyId = LOCAL_CMS_ACCESS_KEY_ID): Publisher[] {
  return [
    { name: 'loa', accessKeyId: loaKeyId, sources: Object.values(SOURCE) },
    { name: 'cms', accessKeyId: cmsKeyId, sources: [SOURCE.cms] },
  ];
}
