import { routeLabel, type Hop } from '../contract/ssh';
import type { SavedHost, SavedHosts } from '../contract/terminal';

/** Where the terminal page's saved SSH hosts come from; each source may be missing or fail on its own. */
export interface SavedHostSources {
  /** Saved tunnel profiles. */
  profiles?: () => readonly { id: string; name: string; target: Hop; jumps: readonly Hop[] }[];
  /** ~/.ssh/config's concrete Host aliases, resolved like `ssh -G` (tunnels' importSshConfigHosts). */
  sshConfig?: () => Promise<{ path: string; hosts: readonly { alias: string; target: Hop; jumps: readonly Hop[] }[] }>;
  /** The Fleet inventory's hosts. */
  fleet?: () => readonly { id: string; name: string; group: string; target: Hop; jumps: readonly Hop[] }[];
}

/**
 * Every saved SSH host, by source (tunnel targets, ~/.ssh/config, fleet inventory), each once per
 * route within its source, in the source's order. A source that fails is reported, not fatal.
 */
export async function collectSavedHosts(src: SavedHostSources): Promise<SavedHosts> {
  const hosts: SavedHost[] = [];
  const problems: SavedHosts['problems'] = [];
  const seen = new Set<string>();
  const add = (h: SavedHost) => {
    const id = `${h.source} ${routeLabel(h.target, h.jumps)}`;
    if (seen.has(id)) return;
    seen.add(id);
    hosts.push(h);
  };
  const strip = (h: Hop): Hop => ({ host: h.host, port: h.port, user: h.user, ...(h.identityFiles ? { identityFiles: [...h.identityFiles] } : {}), ...(h.useAgent !== undefined ? { useAgent: h.useAgent } : {}), ...(h.passwordSecretId ? { passwordSecretId: h.passwordSecretId } : {}) });
  try {
    for (const p of src.profiles?.() ?? []) add({ key: `profile:${p.id}`, name: p.name, source: 'profile', target: strip(p.target), jumps: p.jumps.map(strip) });
  } catch (err) {
    problems.push({ source: 'profile', message: (err as Error).message });
  }
  if (src.sshConfig) {
    try {
      const cfg = await src.sshConfig();
      for (const h of cfg.hosts) add({ key: `sshConfig:${h.alias}`, name: h.alias, source: 'sshConfig', target: strip(h.target), jumps: h.jumps.map(strip) });
    } catch (err) {
      problems.push({ source: 'sshConfig', message: (err as Error).message });
    }
  }
  try {
    for (const f of src.fleet?.() ?? []) add({ key: `fleet:${f.id}`, name: f.name, source: 'fleet', group: f.group, target: strip(f.target), jumps: f.jumps.map(strip) });
  } catch (err) {
    problems.push({ source: 'fleet', message: (err as Error).message });
  }
  return { hosts, problems };
}
