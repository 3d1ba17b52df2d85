import { describe, expect, it } from 'vitest';
import { nonPublicAddressReason, targetUrlProblem } from '#domain/target-policy.ts';

const GUARDED = { allowPrivateTargets: false };

// Defect 9: the SSRF guard missed IPv4-translated addresses (::ffff:0:a.b.c.d).
describe('SSRF guard: every IPv6 form that carries an internal IPv4 address', () => {
  const internal = ['127.0.0.1', '10.1.2.3', '169.254.169.254', '192.168.0.1', '172.16.5.4', '100.64.0.1'];
  const forms = (ip: string) => {
    const [a = 0, b = 0, c = 0, d = 0] = ip.split('.').map(Number);
    const hex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
    return [
      `::ffff:${ip}`, // IPv4-mapped, dotted
      `::ffff:${hex}`, // IPv4-mapped, hex
      `::ffff:0:${ip}`, // IPv4-translated (RFC 2765), dotted
      `::ffff:0:${hex}`, // IPv4-translated, hex
      `0:0:0:0:ffff:0:${hex}`,
      `64:ff9b::${ip}`, // NAT64 well-known prefix
      `64:ff9b::${hex}`,
      `64:ff9b:1::${hex}`, // NAT64 local-use prefix (RFC 8215)
      `64:ff9b:1:abcd::${hex}`,
      `2002:${hex}::1`, // 6to4
      `::${ip}`, // IPv4-compatible (deprecated)
    ];
  };

  it.each(internal)('refuses every form of %s', (ip) => {
    for (const address of forms(ip)) {
      expect(nonPublicAddressReason(address), address).toBeDefined();
      expect(targetUrlProblem(`https://[${address}]/hook`, GUARDED), address).toMatch(
        /private targets are not allowed/,
      );
    }
  });

  it('still allows public addresses, also when carried the same ways', () => {
    for (const address of [
      '93.184.216.34',
      '::ffff:93.184.216.34',
      '64:ff9b::93.184.216.34',
      '2606:4700::1111',
    ]) {
      expect(nonPublicAddressReason(address), address).toBeUndefined();
    }
  });
});
