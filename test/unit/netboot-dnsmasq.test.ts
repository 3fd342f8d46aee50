import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetbootConfigInput } from '../../main/contract/netboot';
import { validateNetbootConfig, type ResolvedNetbootConfig } from '../../main/netboot/config-validation';
import { generateDnsmasqConfig } from '../../main/netboot/dnsmasq-config';
import { ensureBinary } from '../harness/require-binary';

const run = promisify(execFile);
const SAMPLE_PATH = path.join(__dirname, '../../resources/netboot/sample-config.json');

function config(mutate: (c: NetbootConfigInput) => void = () => undefined): ResolvedNetbootConfig {
  const input = JSON.parse(readFileSync(SAMPLE_PATH, 'utf8')) as NetbootConfigInput;
  mutate(input);
  const r = validateNetbootConfig(input);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

let dnsmasq: string;
let dir: string;
beforeAll(async () => {
  // The oracle: dnsmasq's own syntax check (package dnsmasq-base).
  dnsmasq = await ensureBinary('dnsmasq', 'dnsmasq-base');
  dir = await mkdtemp(path.join(os.tmpdir(), 'drover-dnsmasq-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function dnsmasqAccepts(text: string): Promise<string> {
  const file = path.join(dir, `t-${Math.random().toString(36).slice(2)}.conf`);
  await writeFile(file, text);
  const { stdout, stderr } = await run(dnsmasq, ['--test', '-C', file]);
  return `${stdout}${stderr}`;
}

describe('dnsmasq companion', () => {
  it('proxy-DHCP beside an existing server: dhcp-range=NET,proxy, iPXE user class, pxe-service to the responder', async () => {
    const out = generateDnsmasqConfig(config(), { mode: 'proxy', interfaces: ['eth1'] });
    const lines = out.text.split('\n');
    expect(lines).toContain('dhcp-range=set:net-urumqi-rigs-a,10.40.24.0,proxy,255.255.252.0');
    expect(lines).toContain('dhcp-userclass=set:ipxe,iPXE');
    expect(lines).toContain('pxe-service=tag:ipxe,x86PC,"Drover netboot",http://10.40.23.250/api/v1/pxe?mac=${net0/mac}');
    expect(lines).toContain('pxe-service=tag:#ipxe,x86PC,"PXE chainload to iPXE",undionly.kpxe');
    expect(lines).toContain('pxe-service=tag:ipxe,X86-64_EFI,"Drover netboot (UEFI)",http://10.40.23.250/api/v1/pxe?mac=${net0/mac}');
    expect(lines).toContain('interface=eth1');
    // Proxy mode must not rely on dhcp-boot (iPXE says "Nothing to boot").
    expect(lines.filter((l) => l.startsWith('dhcp-boot'))).toEqual([]);
    expect(out.warnings).toEqual([expect.stringMatching(/urumqi-rigs-v6 \(fd00:40:24::\/64\): proxy-DHCP is IPv4 only/)]);
    expect(await dnsmasqAccepts(out.text)).toMatch(/syntax check OK/);
  });

  it('full DHCP: ranges per subnet, PXE ROMs chainloaded to iPXE, iPXE sent to the responder', async () => {
    const out = generateDnsmasqConfig(config(), { mode: 'dhcp', noPing: true });
    const lines = out.text.split('\n');
    expect(lines).toContain('dhcp-range=set:net-urumqi-rigs-a,10.40.24.20,10.40.27.240,255.255.252.0,12h');
    expect(lines).toContain('dhcp-option=tag:net-urumqi-rigs-a,option:router,10.40.24.1');
    expect(lines).toContain('dhcp-range=set:net-urumqi-rigs-v6,fd00:40:24::100,fd00:40:24::1fff,64,12h');
    expect(lines).toContain('dhcp-userclass=set:ipxe,iPXE');
    expect(lines).toContain('dhcp-boot=tag:#ipxe,tag:bios,undionly.kpxe');
    expect(lines).toContain('dhcp-boot=tag:#ipxe,tag:efi64,ipxe.efi');
    expect(lines).toContain('dhcp-boot=tag:ipxe,http://10.40.23.250/api/v1/pxe?mac=${net0/mac}');
    expect(lines).toContain('dhcp-option=tag:ipxe,option6:bootfile-url,http://10.40.23.250/api/v1/pxe?mac=${net0/mac}');
    expect(lines).toContain('no-ping');
    expect(lines).toContain('enable-tftp');
    expect(out.warnings).toEqual([]);
    expect(await dnsmasqAccepts(out.text)).toMatch(/syntax check OK/);
  });

  it('computes a range from the CIDR when none is configured, and gives the same directives as arguments', async () => {
    const out = generateDnsmasqConfig(
      config((c) => {
        c.subnets = [{ name: 'small', cidr: '10.1.2.0/24' }, { name: 'tiny', cidr: '10.1.3.0/31' }];
      }),
      { mode: 'dhcp', tftp: false },
    );
    expect(out.text).toContain('dhcp-range=set:net-small,10.1.2.25,10.1.2.254,255.255.255.0,12h');
    expect(out.warnings).toEqual(['tiny (10.1.3.0/31) is too small for a DHCP range']);
    expect(out.text).not.toContain('enable-tftp');
    expect(out.args).toContain('--dhcp-userclass=set:ipxe,iPXE');
    expect(out.args.every((a) => a.startsWith('--'))).toBe(true);
    const { stdout, stderr } = await run(dnsmasq, ['--test', '-C', '/dev/null', ...out.args]);
    expect(`${stdout}${stderr}`).toMatch(/syntax check OK/);
  });

  it('proxy arguments drop the menu quotes (no shell strips them)', () => {
    const out = generateDnsmasqConfig(config(), { mode: 'proxy' });
    expect(out.args).toContain('--pxe-service=tag:ipxe,x86PC,Drover netboot,http://10.40.23.250/api/v1/pxe?mac=${net0/mac}');
  });

  it('refuses values that would split a dnsmasq line', () => {
    expect(() => generateDnsmasqConfig(config(), { mode: 'proxy', bootUrl: 'http://a/x,y' })).toThrow(/comma/);
  });
});
