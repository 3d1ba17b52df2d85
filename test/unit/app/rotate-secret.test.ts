import { describe, expect, it } from 'vitest';
import { createAgreement } from '#app/create-agreement.ts';
import { renewAgreement } from '#app/renew-agreement.ts';
import { channelSigningSecrets, rotateChannelSecret } from '#app/rotate-secret.ts';
import { ConflictError } from '#domain/errors.ts';
import { CreateAgreementInput } from '#schemas/agreement.ts';
import { memoryDeps, memoryPorts, testConfig } from '#test/support/memory/deps.ts';

const input = CreateAgreementInput.parse({
  agreementId: 'vtv4-2025',
  partner: { partnerId: 'vtv4', name: 'VTV4' },
  validFrom: '2025-01-01',
  validTo: '2025-12-31',
  topics: ['infrastructure'],
  languages: ['vi'],
  channels: [{ type: 'webhook', url: 'https://cms.vtv.vn/hook' }],
});

function harness() {
  const ports = memoryPorts();
  return memoryDeps({ config: testConfig({ allowPrivateTargets: false }) }, ports);
}

describe('rotateChannelSecret', () => {
  it('keeps a renewed agreement signing with the secret the partner already holds, until it is rotated', async () => {
    const deps = harness();
    const { generatedSecrets } = await createAgreement(deps, input);

    await renewAgreement(deps, 'vtv4-2025', { validFrom: '2026-01-01', validTo: '2026-12-31' });
    const renewed = await channelSigningSecrets(deps, 'vtv4-2026', 'webhook');
    const rotated = await rotateChannelSecret(deps, 'vtv4-2026', 'webhook', { overlapHours: 1 });

    expect(renewed).toEqual([generatedSecrets.webhook]);
    expect(await channelSigningSecrets(deps, 'vtv4-2026', 'webhook')).toEqual([
      rotated.secret,
      generatedSecrets.webhook,
    ]);
    expect(await channelSigningSecrets(deps, 'vtv4-2025', 'webhook')).toEqual([generatedSecrets.webhook]);
  });

  it('loses neither of two rotations at once: the second one’s write is refused', async () => {
    const deps = harness();
    await createAgreement(deps, input);
    const stale = await deps.agreements.get('vtv4-2025');
    await rotateChannelSecret(deps, 'vtv4-2025', 'webhook', {});
    const get = deps.agreements.get.bind(deps.agreements);
    deps.agreements.get = async () => stale;

    await expect(rotateChannelSecret(deps, 'vtv4-2025', 'webhook', {})).rejects.toThrow(ConflictError);
    deps.agreements.get = get;
  });
});
