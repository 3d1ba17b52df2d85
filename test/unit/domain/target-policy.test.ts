import { describe, expect, it } from 'vitest';
import { nonPublicAddressReason, resolvedAddressProblem, targetUrlProblem } from '#domain/target-policy.ts';

const guarded = { allowPrivateTargets: false };
const open = { allowPrivateTargets: true };

describe('nonPublicAddressReason', () => {
  it.each([
    ['169.254.169.254', 'the cloud instance metadata address'],
    ['fd00:ec2::254', 'the cloud instance metadata address'],
    ['::ffff:169.254.169.254', 'the cloud instance metadata address'],
    ['::ffff:a9fe:a9fe', 'the cloud instance metadata address'],
    ['169.254.1.1', 'a link-local address'],
    ['fe80::1%eth0', 'a link-local address'],
    ['127.0.0.1', 'a loopback address'],
    ['127.200.0.9', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['0.0.0.0', 'an unspecified ("this network") address'],
    ['::', 'an unspecified address'],
    ['10.20.30.40', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.0.10', 'a private address'],
    ['100.64.0.1', 'a carrier-grade NAT address'],
    ['fc00::5', 'a unique local (private) address'],
    ['224.0.0.1', 'a multicast address'],
    ['ff02::1', 'a multicast address'],
    ['255.255.255.255', 'a reserved address'],
    ['64:ff9b::7f00:1', 'a loopback address'],
    ['2002:a9fe:a9fe::1', 'the cloud instance metadata address'],
    ['::127.0.0.1', 'an IPv4-compatible address'],
  ])('names %s as %s', (address, why) => {
    expect(nonPublicAddressReason(address)).toBe(why);
  });

  it.each([
    '203.162.4.190',
    '172.32.0.1',
    '8.8.8.8',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('takes %s as public', (address) => {
    expect(nonPublicAddressReason(address)).toBeUndefined();
  });
});

describe('targetUrlProblem', () => {
  it('refuses private and metadata targets, however written, when they are not allowed', () => {
    const refused = [
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://127.1:9001/',
      'http://[::ffff:127.0.0.1]/',
      'http://localhost:4010/',
      'http://api.localhost/',
      'http://metadata.google.internal/',
      'http://printer.local/',
      'http://intranet/',
    ].filter((url) => targetUrlProblem(url, guarded) === undefined);

    expect(refused).toEqual([]);
  });

  it('allows public names and addresses', () => {
    expect(targetUrlProblem('https://cms.vtv4.vn/hooks/loa', guarded)).toBeUndefined();
    expect(targetUrlProblem('http://203.162.4.190:8080/in', guarded)).toBeUndefined();
  });

  it('allows private targets when the policy does (the local runtime)', () => {
    expect(targetUrlProblem('http://127.0.0.1:4010/demo', open)).toBeUndefined();
  });

  it('refuses other schemes and URLs with credentials whatever the policy', () => {
    expect(targetUrlProblem('ftp://cms.vtv4.vn/', open)).toBe('must be an http(s) URL');
    expect(targetUrlProblem('https://u:p@cms.vtv4.vn/', open)).toMatch(/^must not carry credentials/);
    expect(targetUrlProblem('not a url', open)).toBe('must be an absolute http(s) URL');
  });

  it('says what the URL points at', () => {
    expect(targetUrlProblem('http://169.254.169.254/', guarded)).toBe(
      'points at the cloud instance metadata address (169.254.169.254); private targets are not allowed',
    );
  });
});

describe('resolvedAddressProblem', () => {
  it('names the host and the address it resolved to', () => {
    expect(resolvedAddressProblem('partner.example', '10.0.0.7', guarded)).toBe(
      'partner.example resolves to a private address (10.0.0.7); private targets are not allowed',
    );
    expect(resolvedAddressProblem('partner.example', '10.0.0.7', open)).toBeUndefined();
  });
});
