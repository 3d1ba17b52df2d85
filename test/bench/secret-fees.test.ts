import { describe, expect, it } from 'vitest';
import { feedKeyRef, MASTER_FEED_KEY_REF, MASTER_SIGNING_KEY_REF } from '#domain/signing-keys.ts';
import { isSharedSecret } from '../../bench/realistic.ts';
import { secretFees } from '../../bench/requests.ts';

describe('the Secrets Manager fee of the requests part', () => {
  it('counts both master keys as shared, not per partner', () => {
    expect(isSharedSecret(MASTER_SIGNING_KEY_REF)).toBe(true);
    expect(isSharedSecret(MASTER_FEED_KEY_REF)).toBe(true);
    expect(isSharedSecret(feedKeyRef('vtv4', 'k1'))).toBe(false);
  });

  it('counts the two master keys as stored whether or not the phase read them', () => {
    const none = secretFees({ secretRefs: [], agreements: 10 }, 2000);
    const feedOnly = secretFees({ secretRefs: [MASTER_FEED_KEY_REF], agreements: 10 }, 2000);
    const both = secretFees(
      { secretRefs: [MASTER_SIGNING_KEY_REF, MASTER_FEED_KEY_REF], agreements: 10 },
      2000,
    );

    for (const fees of [none, feedOnly, both]) {
      expect(fees.shared).toBe(2);
      expect(fees.perPartner).toBe(0);
      expect(fees.secrets).toBe(2);
    }
  });

  it('adds per-partner secrets on top of the two shared ones', () => {
    const refs = [MASTER_SIGNING_KEY_REF, feedKeyRef('a', 'k1'), feedKeyRef('b', 'k1')];
    const fees = secretFees({ secretRefs: refs, agreements: 2 }, 100);

    expect(fees.shared).toBe(2);
    expect(fees.perPartner).toBe(1);
    expect(fees.secrets).toBe(102);
  });
});
