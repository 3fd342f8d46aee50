import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../main/contract/errors';
import { isLoopbackAddress } from '../../main/contract/net-address';
import { formatForwardSpec, parseForwardSpec, type ForwardKind } from '../../main/tunnels/forward-spec';

describe('parseForwardSpec', () => {
  it('parses the -L / -R / -D forms', () => {
    expect(parseForwardSpec('local', '9092:kafka:9092')).toEqual({ kind: 'local', bindAddress: 'localhost', bindPort: 9092, destHost: 'kafka', destPort: 9092, exposesLan: false });
    expect(parseForwardSpec('local', '[::1]:80:[2001:db8::2]:8080')).toMatchObject({ bindAddress: '::1', destHost: '2001:db8::2', destPort: 8080 });
    expect(parseForwardSpec('local', '0.0.0.0:80:h:80')).toMatchObject({ bindAddress: '0.0.0.0', exposesLan: true });
    expect(parseForwardSpec('local', '*:80:h:80')).toMatchObject({ bindAddress: '*', exposesLan: true });
    expect(parseForwardSpec('local', ':80:h:80')).toMatchObject({ bindAddress: '*', exposesLan: true });
    expect(parseForwardSpec('local', '80:h:80', { gatewayPorts: true })).toMatchObject({ bindAddress: '*', exposesLan: true });
    expect(parseForwardSpec('dynamic', '1080')).toEqual({ kind: 'dynamic', bindAddress: 'localhost', bindPort: 1080, exposesLan: false });
    expect(parseForwardSpec('dynamic', '192.168.1.5:1080')).toMatchObject({ bindAddress: '192.168.1.5', exposesLan: true });
    expect(parseForwardSpec('remote', '1080')).toEqual({ kind: 'remote', bindAddress: 'localhost', bindPort: 1080, exposesLan: false });
    expect(parseForwardSpec('remote', '0:localhost:22')).toMatchObject({ bindPort: 0, destHost: 'localhost', destPort: 22 });
    expect(parseForwardSpec('remote', '8080:h:80', { gatewayPorts: true })).toMatchObject({ bindAddress: 'localhost', exposesLan: false });
  });

  it('refuses Unix socket forwards as UNSUPPORTED and bad specs as INVALID_INPUT naming the spec', () => {
    const code = (kind: ForwardKind, spec: string): string => {
      try {
        parseForwardSpec(kind, spec);
      } catch (err) {
        if (isAppError(err)) {
          if (err.code === 'INVALID_INPUT') expect(err.message).toContain(JSON.stringify(spec));
          return err.code;
        }
        throw err;
      }
      return 'ok';
    };
    expect(code('local', '/tmp/sock:h:80')).toBe('UNSUPPORTED');
    expect(code('local', '8080:/run/x.sock')).toBe('UNSUPPORTED');
    expect(code('local', '')).toBe('INVALID_INPUT');
    expect(code('local', '8080')).toBe('INVALID_INPUT');
    expect(code('local', '[::1:80:h:80')).toBe('INVALID_INPUT');
    expect(code('local', '1:h:2:3:4')).toBe('INVALID_INPUT');
    expect(code('dynamic', '0')).toBe('INVALID_INPUT');
    expect(code('remote', '70000')).toBe('INVALID_INPUT');
  });

  it('formats back to a spec that parses to the same forward', () => {
    for (const [kind, spec] of [
      ['local', '9092:kafka:9092'],
      ['local', '[::1]:80:[fe80::1]:80'],
      ['local', '*:80:h:80'],
      ['remote', '1080'],
      ['remote', '10.0.0.1:0:h:1'],
      ['dynamic', '[::]:1080'],
    ] as Array<[ForwardKind, string]>) {
      const f = parseForwardSpec(kind, spec);
      expect(parseForwardSpec(kind, formatForwardSpec(f)), spec).toEqual(f);
    }
    expect(formatForwardSpec(parseForwardSpec('local', '9092:kafka:9092'))).toBe('localhost:9092:kafka:9092');
  });
});

// One function for the service, the CLI and the UI (main/contract/net-address.ts): they used to disagree on ::ffff:7f00:1.
describe('isLoopbackAddress', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['127.0.0.1', true],
    ['127.0.0.2', true],
    ['127.255.0.9', true],
    [' 127.0.0.1 ', true],
    ['0127.0.0.1', false],
    ['127.1', false],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['*', false],
    ['10.40.23.250', false],
    ['::ffff:10.0.0.1', false],
    ['fe80::1', false],
    ['myhost', false],
    ['128.0.0.1', false],
  ])('%s → %s', (address, expected) => {
    expect(isLoopbackAddress(address)).toBe(expected);
  });
});

/** ssh itself decides whether a spec is acceptable: `ssh -G` fails on a bad forward. */
describe('parseForwardSpec accepts what ssh accepts', () => {
  const specs: Array<[ForwardKind, string]> = [
    ['local', '8080:h:80'],
    ['local', '127.0.0.1:8080:h:80'],
    ['local', '[::1]:8080:h:80'],
    ['local', '[::1]:8080:[::2]:80'],
    ['local', '*:8080:h:80'],
    ['local', ':8080:h:80'],
    ['local', '8080:h'],
    ['local', '8080'],
    ['local', '0:h:80'],
    ['local', '8080:h:0'],
    ['local', '65536:h:80'],
    ['local', '8080:h:65535'],
    ['local', '1:2:3:4:5'],
    ['local', '::1:8080:h:80'],
    ['local', '[::1]8080:h:80'],
    ['local', 'x:8080:h:80:'],
    ['local', '8080:h:80:'],
    ['local', '[::1]:8080:h:80:'],
    ['local', '-1:h:80'],
    ['remote', '8080:h:80'],
    ['remote', '0:h:80'],
    ['remote', '1080'],
    ['remote', '0'],
    ['remote', '10.0.0.1:1080'],
    ['remote', '[::]:2222:127.0.0.1:22'],
    ['remote', '8080:h'],
    ['remote', '8080:h:0'],
    ['dynamic', '1080'],
    ['dynamic', '0'],
    ['dynamic', '127.0.0.1:1080'],
    ['dynamic', '[::1]:1080'],
    ['dynamic', '*:1080'],
    ['dynamic', '1080:h:80'],
    ['dynamic', '1080:x'],
  ];

  it.each(specs)('%s %s', (kind, spec) => {
    const flag = kind === 'local' ? '-L' : kind === 'remote' ? '-R' : '-D';
    const ssh = spawnSync('ssh', ['-G', '-F', '/dev/null', flag, spec, 'host'], { stdio: 'ignore' }).status === 0;
    let ours = true;
    try {
      parseForwardSpec(kind, spec);
    } catch {
      ours = false;
    }
    expect(ours).toBe(ssh);
  });

  it('is stricter than ssh on an empty destination host', () => {
    expect(spawnSync('ssh', ['-G', '-F', '/dev/null', '-L', '8080::80', 'host'], { stdio: 'ignore' }).status).toBe(0);
    expect(() => parseForwardSpec('local', '8080::80')).toThrow(/missing host/);
  });
});
