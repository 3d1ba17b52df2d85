import { randomBytes } from 'node:crypto';
import type { Publisher } from '#infra/local/bus.ts';
import { SOURCE } from '#schemas/events.ts';
import { LOCAL_CMS_ACCESS_KEY_ID } from './cms-key.ts';

export { LOCAL_CMS_ACCESS_KEY_ID } from './cms-key.ts';

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
