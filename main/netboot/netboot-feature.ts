import { defineMainFeature } from '../app/feature';
import type { ContractImpl } from '../contract/define';
import type { netbootContract } from '../contract/netboot';
import { etcdFeature } from '../etcd/etcd-feature';
import { netbootCommand } from './netboot-command';
import { NetbootService } from './netboot-service';

/** The netboot contract over the service. */
export function netbootImpl(service: NetbootService): ContractImpl<typeof netbootContract> {
  return {
    start: () => service.start(),
    stop: () => service.stop(),
    readConfig: () => service.readConfig(),
    validateConfig: ({ text }) => service.validateConfig(text),
    saveConfig: ({ text }) => service.saveConfig(text),
    setConfigPath: ({ path }) => service.setConfigPath(path),
    dnsmasq: (request) => service.dnsmasq(request),
    saveDnsmasq: (request) => service.saveDnsmasq(request),
    etcdValues: (input, ctx) => service.etcdValues(input, ctx.signal),
    machine: ({ key }) => service.machine(key),
    live: (_input, sink) => service.live.subscribe(sink),
  };
}

/**
 * Netboot: one responder (NetbootServer) on the config file the feature's settings name
 * (default netboot.json in the config dir), started and stopped from the UI; `drover netboot`.
 * It does not start by itself: serving PXE clients is something a person turns on.
 */
export const netbootFeature = defineMainFeature({
  id: 'netboot',
  commands: [netbootCommand],
  async create(ctx) {
    // The etcd values beside each subnet are read through the responder's own EtcdReader (the
    // netboot config's etcd endpoints), or through an etcd page session the page names.
    const etcd = ctx.use(etcdFeature);
    const etcdSessions = {
      name: (id: string) => etcd.list().find((s) => s.id === id)?.name,
      readText: (id: string, key: string) => etcd.readText(id, key),
    };
    const service = new NetbootService({ configDir: ctx.configDir, clock: ctx.clock, log: ctx.log, etcdSessions });
    for (const notice of await service.init()) ctx.notify(notice);
    return { service, impl: netbootImpl(service), disposable: { dispose: () => service.disposeAsync() } };
  },
});
