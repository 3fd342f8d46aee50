import type { ContractImpl } from '../contract/define';
import type { fleetContract } from '../contract/fleet';
import type { FleetService } from './fleet-service';

/** The fleet contract over the service. */
export function fleetImpl(service: FleetService): ContractImpl<typeof fleetContract> {
  return {
    saveHost: (draft) => service.saveHost(draft),
    removeHost: async ({ id }) => {
      await service.removeHost(id);
      return null;
    },
    saveGroup: (g) => service.saveGroup(g),
    removeGroup: async ({ name }) => {
      await service.removeGroup(name);
      return null;
    },
    saveRule: (r) => service.saveRule(r),
    removeRule: async ({ id }) => {
      await service.removeRule(id);
      return null;
    },
    updateSettings: (patch) => service.updateSettings(patch),
    lookup: (q) => service.lookup(q) ?? null,
    importSshConfig: (login) => service.importSshConfig(login),
    importEtcd: (input, ctx) => service.importEtcd(input, ctx.signal),
    importText: (input) => service.importText(input),
    addHosts: ({ hosts }) => service.addHosts(hosts),
    exportInventory: ({ path }) => service.exportInventory(path),
    importInventory: ({ path }) => service.importInventory(path),
    probeNow: () => {
      service.probeNow();
      return null;
    },
    retryHost: ({ id }) => {
      service.retryHost(id);
      return null;
    },
    acknowledge: ({ alertId }) => service.acknowledge(alertId),
    alertHistory: ({ hostId, limit }) => service.alertHistoryList({ hostId, limit }),
    history: ({ hostId }) => service.history(hostId),
    live: (_input, sink) => service.live(sink),
    syslogTail: (input, sink) => service.syslogTail(input, sink),
    syslogPage: (input) => service.syslogPage(input),
    syslogExport: (input) => service.syslogExport(input),
  };
}
