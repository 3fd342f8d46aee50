import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNodeSshConfigReader,
  listSshHostAliases,
  parseSshConfig,
  resolveSshHost,
  type SshConfigReader,
  type SshLocalEnv,
} from '../../main/ssh/ssh-config';
import { parseForwardSpec, type ForwardKind } from '../../main/tunnels/forward-spec';

const env: SshLocalEnv = { homeDir: '/home/me', localUser: 'me', localHostName: 'box.local', uid: 1000 };

function fakeReader(files: Record<string, string>): SshConfigReader {
  return {
    readFile: (p) => files[p],
    glob: (pattern) => {
      const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
      // like glob(3), a wildcard does not match a leading dot
      const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
      return Object.keys(files)
        .filter((f) => re.test(f) && (!base(f).startsWith('.') || base(pattern).startsWith('.')))
        .sort();
    },
  };
}

describe('parseSshConfig and resolveSshHost', () => {
  it('applies blocks in order with first-value-wins and accumulating IdentityFile', () => {
    const cfg = parseSshConfig(
      [
        'host web1 web2',
        '  HOSTNAME web-%h.example.com',
        '  identityfile=~/.ssh/id_%r@%h:%p',
        'Host web*',
        '  User deploy',
        '  Port=2222',
        '  HostName ignored.example.com',
        'Host *',
        '  User nobody',
        '  IdentityFile "/keys/with space/%n %u %d %l %L %i %k %%"',
        '  ServerAliveInterval 2m',
        '  ServerAliveCountMax 5',
      ].join('\n'),
      { path: '/home/me/.ssh/config', homeDir: '/home/me' },
    );
    expect(cfg.warnings).toEqual([]);
    const r = resolveSshHost(cfg, 'web1', env);
    expect(r).toMatchObject({
      alias: 'web1',
      hostName: 'web-web1.example.com',
      user: 'deploy',
      port: 2222,
      identityFiles: ['/home/me/.ssh/id_deploy@web-web1.example.com:2222', '/keys/with space/web1 me /home/me box.local box 1000 web1 %'],
      serverAliveInterval: 120,
      serverAliveCountMax: 5,
      jumps: [],
    });
    const other = resolveSshHost(cfg, 'db', env);
    expect(other).toMatchObject({ hostName: 'db', user: 'nobody', port: 22 });
    expect(resolveSshHost(parseSshConfig('', { path: 'c', homeDir: '/h' }), 'x', env)).toMatchObject({ hostName: 'x', user: 'me', port: 22, identityFiles: [] });
  });

  it('honours negation, ?, case-sensitive Host patterns and ProxyJump', () => {
    const cfg = parseSshConfig(
      ['Host *.lan !bad.lan', '  ProxyJump admin@gw:2022,[2001:db8::1]', 'Host h? ', '  Port 2000', 'Host UPPER', '  Port 3000'].join('\n'),
      { path: 'c', homeDir: '/h' },
    );
    expect(resolveSshHost(cfg, 'a.lan', env).jumps).toEqual([{ host: 'gw', port: 2022, user: 'admin' }, { host: '2001:db8::1' }]);
    expect(resolveSshHost(cfg, 'a.lan', env).proxyJump).toBe('admin@gw:2022,[2001:db8::1]');
    expect(resolveSshHost(cfg, 'bad.lan', env).jumps).toEqual([]);
    expect(resolveSshHost(cfg, 'h1', env).port).toBe(2000);
    expect(resolveSshHost(cfg, 'h12', env).port).toBe(22);
    expect(resolveSshHost(cfg, 'UPPER', env).port).toBe(3000);
    expect(resolveSshHost(cfg, 'upper', env).port).toBe(22);
  });

  it('follows Include relative to ~/.ssh with globs, and keeps inactive includes inactive', () => {
    const files = {
      '/home/me/.ssh/config.d/a.conf': 'Host a\n  Port 1001\nHost shared\n  User from-a',
      '/home/me/.ssh/config.d/b.conf': 'Host b\n  Port 1002',
      '/home/me/.ssh/config.d/.hidden.conf': 'Host hidden\n  Port 1003',
      '/home/me/.ssh/extra': 'Port 1004\nHost zed\n  User zed-user',
    };
    const cfg = parseSshConfig(
      ['Include config.d/*.conf ~/.ssh/nonexistent', 'Host shared', '  User from-main', 'Host guarded', '  Include extra', 'Host *', '  User default'].join('\n'),
      { path: '/home/me/.ssh/config', homeDir: '/home/me', reader: fakeReader(files) },
    );
    expect(cfg.warnings).toEqual([]);
    expect(resolveSshHost(cfg, 'a', env).port).toBe(1001);
    expect(resolveSshHost(cfg, 'b', env).port).toBe(1002);
    expect(resolveSshHost(cfg, 'hidden', env).port).toBe(22);
    expect(resolveSshHost(cfg, 'shared', env).user).toBe('from-a');
    expect(resolveSshHost(cfg, 'guarded', env).port).toBe(1004);
    expect(resolveSshHost(cfg, 'zed', env).user).toBe('default');
    expect(listSshHostAliases(cfg)).toEqual(['a', 'shared', 'b', 'guarded', 'zed']);
  });

  it('reports Match, unknown keywords and bad quotes; IgnoreUnknown silences', () => {
    const cfg = parseSshConfig(
      ['IgnoreUnknown UseKeychain,Add*', 'UseKeychain yes', 'AddSomething x', 'Frobnicate yes', 'Host a', '  Port 1', 'Match host a exec "true"', '  Port 2', 'Match all', '  User u', 'Host b', '  IdentityFile "unterminated', 'Host'].join('\n'),
      { path: 'c', homeDir: '/h' },
    );
    expect(cfg.warnings.map((w) => [w.line, w.message.split(' ').slice(0, 2).join(' ')])).toEqual([
      [4, 'unknown keyword'],
      [7, 'Match blocks'],
      [12, 'invalid quotes'],
      [13, 'no argument'],
    ]);
    expect(resolveSshHost(cfg, 'a', env)).toMatchObject({ port: 1, user: 'u' });
  });

  it('collects forwards, ProxyCommand precedence and other options', () => {
    const cfg = parseSshConfig(
      [
        'Host t',
        '  LocalForward 8080 db:5432',
        '  LocalForward [::1]:9090 [2001:db8::1]:90',
        '  RemoteForward 1080',
        '  RemoteForward 0.0.0.0:8443 localhost:443',
        '  DynamicForward 127.0.0.1:1081',
        '  ProxyCommand ssh -W %h:%p gw',
        '  ProxyJump ignored',
        '  Ciphers aes128-gcm@openssh.com,chacha20-poly1305@openssh.com',
        '  ControlMaster auto',
      ].join('\n'),
      { path: 'c', homeDir: '/h' },
    );
    const r = resolveSshHost(cfg, 't', env);
    expect(r.localForwards).toEqual(['8080:db:5432', '[::1]:9090:[2001:db8::1]:90']);
    expect(r.remoteForwards).toEqual(['1080', '0.0.0.0:8443:localhost:443']);
    expect(r.dynamicForwards).toEqual(['127.0.0.1:1081']);
    expect(r.jumps).toEqual([]);
    expect(r.proxyCommand).toBe('ssh -W %h:%p gw');
    expect(r.options.Ciphers).toEqual(['aes128-gcm@openssh.com,chacha20-poly1305@openssh.com']);
    expect(r.warnings.map((w) => w.message)).toEqual(['ProxyCommand is not supported by Drover', 'ControlMaster (connection sharing) is not supported by Drover']);
    // every forward string is valid -L/-R/-D syntax
    for (const f of r.localForwards) parseForwardSpec('local', f);
    for (const f of r.remoteForwards) parseForwardSpec('remote', f);
    for (const f of r.dynamicForwards) parseForwardSpec('dynamic', f);
  });
});

/**
 * The oracle: `ssh -G -F file alias` prints what ssh resolves; `ssh -v` with a ProxyCommand that
 * connects nowhere prints the identity files after ~ and %-token expansion.
 */
describe('resolveSshHost agrees with ssh -G', () => {
  let dir: string;
  let configPath: string;
  const localEnv: SshLocalEnv = { homeDir: homedir(), localUser: userInfo().username, localHostName: hostname(), uid: process.getuid?.() };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'drover-sshcfg-'));
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'conf.d', '10-a.conf'), 'Host alpha\n  HostName 10.0.0.1\n  Port 2201\nHost FOO\n  User fromInclude\n');
    writeFileSync(join(dir, 'conf.d', '20-b.conf'), 'Host beta\n  Hostname Beta.Example\nMatch all\n  ServerAliveCountMax 9\n');
    writeFileSync(join(dir, 'conf.d', '.hidden.conf'), 'Host hidden\n  Port 4444\n');
    writeFileSync(join(dir, 'inactive.conf'), 'Port 3333\nHost zed\n  User zeduser\n');
    configPath = join(dir, 'config');
    writeFileSync(
      configPath,
      [
        '# defaults before any Host apply to all',
        'ServerAliveCountMax 4',
        `Include ${dir}/conf.d/*.conf`,
        `Include ${dir}/missing-file`,
        '',
        'Host FOO bar* !bart',
        '  HostName %h.example.com',
        '  User alice',
        '  Port 2200',
        '  IdentityFile ~/.ssh/id_%h_%r_%p_%u',
        `  IdentityFile "${dir}/with space/%n"`,
        '  ProxyJump jump1,bob@jump2:2022',
        '  ServerAliveInterval 1m30s',
        '  LocalForward 8080 db:5432',
        '  LocalForward [::1]:9090 [2001:db8::1]:90',
        '  RemoteForward 1080',
        '  RemoteForward 0.0.0.0:8443 localhost:443',
        '  DynamicForward 127.0.0.1:1081',
        '',
        'Host web?',
        '  HOSTNAME=web.internal',
        '  user = deploy',
        `  Include ${dir}/inactive.conf`,
        '',
        'Host cmdfirst',
        '  ProxyCommand ssh -W %h:%p gw',
        '  ProxyJump ignored-jump',
        '',
        'Host jumpfirst',
        '  ProxyJump j@gw:2222',
        '  ProxyCommand nc %h %p',
        '',
        'Host q2 "q3"',
        '  Port 2022  # trailing comment',
        '  IdentityFile %d/.ssh/q_%k_%L',
        '',
        'Host *.lan !skip.lan',
        '  User lanuser',
        '  IdentityFile /keys/lan_%n_%i',
        '',
        'Host *',
        '  User = carol',
        '  Port=22',
        '  ServerAliveInterval 10',
        `  IdentityFile ${dir}/later`,
      ].join('\n') + '\n',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function sshG(alias: string): Map<string, string[]> {
    const out = execFileSync('ssh', ['-G', '-F', configPath, alias], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const map = new Map<string, string[]>();
    for (const line of out.split('\n')) {
      const sp = line.indexOf(' ');
      if (sp > 0) map.set(line.slice(0, sp), [...(map.get(line.slice(0, sp)) ?? []), line.slice(sp + 1)]);
    }
    return map;
  }

  function sshIdentityFiles(alias: string): string[] {
    const r = spawnSync('ssh', ['-v', '-F', configPath, '-o', 'ProxyCommand=sleep 0', '-o', 'BatchMode=yes', alias, 'true'], { encoding: 'utf8' });
    return [...r.stderr.matchAll(/^debug1: identity file (.*) type -?\d+$/gm)].map((m) => m[1]!).filter((f) => !f.endsWith('-cert'));
  }

  function canonicalForward(kind: ForwardKind, spec: string): string {
    const f = parseForwardSpec(kind, spec);
    return [kind, f.bindAddress, f.bindPort, f.destHost ?? '', f.destPort ?? ''].join(' ');
  }

  /** ssh -G prints `N` or `[bind]:N` for the listener and `[host]:port` for the target. */
  function oracleForwards(g: Map<string, string[]>): string[] {
    const listen = (t: string) => {
      const m = /^(?:\[(.*)\]:)?(\d+)$/.exec(t)!;
      return `${m[1] === undefined ? 'localhost' : m[1]} ${m[2]}`;
    };
    const target = (t: string) => {
      const m = /^\[(.*)\]:(\d+)$/.exec(t)!;
      return m[1] === 'socks' && m[2] === '0' ? ' ' : `${m[1]} ${m[2]}`;
    };
    const out: string[] = [];
    for (const l of g.get('localforward') ?? []) out.push(`local ${listen(l.split(' ')[0]!)} ${target(l.split(' ')[1]!)}`);
    for (const l of g.get('remoteforward') ?? []) out.push(`remote ${listen(l.split(' ')[0]!)} ${target(l.split(' ')[1]!)}`);
    for (const l of g.get('dynamicforward') ?? []) out.push(`dynamic ${listen(l)}  `);
    return out.sort();
  }

  const aliases = ['FOO', 'foo', 'barn', 'bart', 'web1', 'webby', 'zed', 'alpha', 'beta', 'hidden', 'cmdfirst', 'jumpfirst', 'q2', 'q3', 'x.lan', 'skip.lan', 'other'];

  it.each(aliases)('%s', (alias) => {
    const cfg = parseSshConfig(readFileSync(configPath, 'utf8'), { path: configPath, homeDir: localEnv.homeDir, reader: createNodeSshConfigReader() });
    expect(cfg.warnings).toEqual([]);
    const r = resolveSshHost(cfg, alias, localEnv);
    const g = sshG(alias);
    expect(r.hostName).toBe(g.get('hostname')![0]);
    expect(r.user).toBe(g.get('user')![0]);
    expect(r.port).toBe(Number(g.get('port')![0]));
    expect(r.proxyJump).toBe(g.get('proxyjump')?.[0]);
    expect(r.serverAliveInterval ?? 0).toBe(Number(g.get('serveraliveinterval')![0]));
    expect(r.serverAliveCountMax ?? 3).toBe(Number(g.get('serveralivecountmax')![0]));
    const ours = [
      ...r.localForwards.map((f) => canonicalForward('local', f)),
      ...r.remoteForwards.map((f) => canonicalForward('remote', f)),
      ...r.dynamicForwards.map((f) => canonicalForward('dynamic', f)),
    ].sort();
    expect(ours).toEqual(oracleForwards(g));
    if (r.proxyCommand !== undefined) expect(r.proxyCommand).toBe(g.get('proxycommand')![0]);
    if (r.identityFiles.length > 0) expect(r.identityFiles).toEqual(sshIdentityFiles(alias));
  });

  it('lists the concrete aliases', () => {
    const cfg = parseSshConfig(readFileSync(configPath, 'utf8'), { path: configPath, homeDir: localEnv.homeDir, reader: createNodeSshConfigReader() });
    expect(listSshHostAliases(cfg)).toEqual(['alpha', 'FOO', 'beta', 'zed', 'cmdfirst', 'jumpfirst', 'q2', 'q3']);
  });
});
