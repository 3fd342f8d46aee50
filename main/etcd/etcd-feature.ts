import { defineMainFeature } from '../app/feature';
import { tunnelsFeature } from '../tunnels/tunnels-feature';
import { etcdImpl } from './etcd-impl';
import { EtcdService } from './etcd-service';
import { EtcdSessionStore } from './etcd-session-store';

/** etcd: sessions in etcd-sessions.json (passwords in the secret store), reached directly or through a Drover tunnel's forward. */
export const etcdFeature = defineMainFeature({
  id: 'etcd',
  async create(ctx) {
    const service = new EtcdService({
      configDir: ctx.configDir,
      clock: ctx.clock,
      secrets: ctx.secretStore,
      tunnels: ctx.use(tunnelsFeature),
      store: new EtcdSessionStore(ctx.configDir, ctx.clock),
      log: ctx.log,
    });
    for (const notice of await service.init()) ctx.notify(notice);
    return { service, impl: etcdImpl(service), disposable: { dispose: () => service.disposeAsync() } };
  },
});
