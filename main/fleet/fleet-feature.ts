import { defineMainFeature } from '../app/feature';
import { etcdFeature } from '../etcd/etcd-feature';
import { fleetImpl } from './fleet-impl';
import { FleetService } from './fleet-service';

/**
 * Fleet: the host inventory (fleet-inventory.json), probes over the shared SSH pool, heartbeats
 * and alerts (alert-history.json), chart history, and the syslog receiver. Headless CLI commands
 * that build it get the inventory without probes or a listener.
 */
export const fleetFeature = defineMainFeature({
  id: 'fleet',
  async create(ctx) {
    const etcd = ctx.use(etcdFeature);
    const service = await FleetService.create({
      configDir: ctx.configDir,
      clock: ctx.clock,
      pool: ctx.sshPool,
      notify: (n) => ctx.notify(n),
      log: ctx.log,
      autostart: ctx.transport !== 'cli',
      // Imports from etcd can go through the etcd page's sessions (tunnel, TLS, login).
      etcdSessions: { name: (id) => etcd.list().find((c) => c.id === id)?.name, use: (id, what, fn) => etcd.use(id, what, fn) },
    });
    return { service, impl: fleetImpl(service), disposable: { dispose: () => service.close() } };
  },
});
