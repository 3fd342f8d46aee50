import type { ContractImpl } from '../contract/define';
import { toDisposable } from '../contract/lifecycle';
import type { terminalContract } from '../contract/terminal';
import type { TerminalManager } from './terminal-manager';
import { collectSavedHosts, type SavedHostSources } from './saved-hosts';
import { SessionData } from './terminal-session';

export function terminalImpl(manager: TerminalManager, savedHosts: SavedHostSources = {}): ContractImpl<typeof terminalContract> {
  return {
    savedHosts: () => collectSavedHosts(savedHosts),
    open: ({ target, cols, rows, owner, label }, ctx) => manager.open(target, cols, rows, { signal: ctx.signal, owner, label }),
    list: () => manager.list(),
    live: (_input, sink) => manager.live.subscribe(sink),
    replay: ({ id, owner }) => manager.replay(id, owner),
    rename: ({ id, label }) => {
      manager.rename(id, label);
      return null;
    },
    busy: ({ id }) => manager.busy(id),
    close: ({ id }) => {
      manager.close(id);
      return null;
    },
    // Output bytes go into the binary frame as the pty gave them (sink.text); decoded only for a
    // transport without binary frames.
    output: ({ id }, sink) => manager.attach(id, (e) => (e instanceof SessionData ? (sink.text ? sink.text(e.chunks) : sink.next({ kind: 'data', data: e.data })) : sink.next(e))),
    input: ({ id, data }) => manager.write(id, data),
    resize: ({ id, cols, rows }) => manager.resize(id, cols, rows),
    ack: ({ id, chars }) => manager.ack(id, chars),
    runOnHosts: ({ argv, hosts, timeoutSec }, sink) => {
      const ctrl = new AbortController();
      void manager.runOnHosts(argv, hosts, timeoutSec, (r) => sink.next(r), ctrl.signal).then(() => sink.end());
      return toDisposable(() => ctrl.abort());
    },
  };
}
