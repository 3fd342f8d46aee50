import { describe, expect, it } from 'vitest';
import { renderIpxeTemplate } from '../../main/netboot/ipxe-template';
import { renderIpxeScript } from '../harness/netboot-guest';
import { GUEST_INITRD_FILE, GUEST_KERNEL_FILE, guestBootConfig } from '../support/netboot-guest-config';
import { resolved } from '../support/netboot-http';

// The responder's script for the test guest must be exactly what the harness boots with
// (renderIpxeScript), with the kernel and initrd coming from the responder's /boot/.

describe('the netboot config of the QEMU test guest', () => {
  it('renders the harness script exactly, MAC and server filled in by the responder', () => {
    const serverUrl = 'http://10.0.2.2:41234';
    const mac = '52:54:00:d7:00:11';
    const cfg = resolved(guestBootConfig({ listen: { host: '127.0.0.1', port: 0 }, serverUrl, bootDir: '/tmp', subnets: [{ name: 'qemu', cidr: '127.0.0.0/8' }] }));
    const s = cfg.subnets[0]!;
    const script = renderIpxeTemplate(s.script, {
      serverUrl: cfg.serverUrl,
      bootUrl: cfg.bootUrl,
      mac,
      macHyphen: mac.replace(/:/g, '-'),
      ip: '127.0.0.1',
      subnet: s.cidr.text,
      subnetName: s.name,
      uuid: s.datacenterUuid,
      kernelArgs: s.kernelArgs,
    });
    expect(script).toBe(renderIpxeScript({ serverUrl, mac, kernelPath: `/boot/${GUEST_KERNEL_FILE}?mac=${mac}`, initrdPath: `/boot/${GUEST_INITRD_FILE}?mac=${mac}` }));
  });
});
