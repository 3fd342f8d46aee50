import type { MinerProblem, StoragePath } from '../../contract/miners';
import { bytesFromInteger } from '../byte-size';
import { clipText, problem } from '../miner-problem';
import { arr, bool, count, obj, str, strings } from './json-read';

/**
 * Storage paths from StorageList (path → []Decl with a SectorFileType bitmask: 1 unsealed,
 * 2 sealed, 4 cache, 8 update, 16 update-cache), StorageLocal, and per path StorageStat and
 * StorageInfo — the same figures `lotus-miner storage list` prints.
 */
export function mapStorage(
  list: unknown,
  local: unknown,
  stats: Readonly<Record<string, unknown>>,
  infos: Readonly<Record<string, unknown>>,
  problems: MinerProblem[],
): Record<string, StoragePath> {
  const out: Record<string, StoragePath> = {};
  const decls = obj(list) ?? {};
  const locals = obj(local) ?? {};
  for (const [id, entries] of Object.entries(decls)) {
    const p: StoragePath = { id: clipText(id, 128), counts: { unsealed: 0, sealed: 0, caches: 0, updated: 0, updateCaches: 0 }, urls: [] };
    for (const d of arr(entries) ?? []) {
      const t = count(obj(d)?.SectorFileType) ?? 0;
      if (t & 1) p.counts.unsealed!++;
      if (t & 2) p.counts.sealed!++;
      if (t & 4) p.counts.caches!++;
      if (t & 8) p.counts.updated!++;
      if (t & 16) p.counts.updateCaches!++;
    }
    const localPath = str(locals[id]);
    if (localPath !== undefined) p.localPath = clipText(localPath, 1024);
    const st = obj(stats[id]);
    if (st) {
      const cap = count(st.Capacity);
      const fsAvail = count(st.FSAvailable);
      const reserved = count(st.Reserved);
      const max = count(st.Max);
      const used = count(st.Used);
      if (cap !== undefined) p.capacity = bytesFromInteger(cap);
      if (cap !== undefined && fsAvail !== undefined) {
        const u = Math.max(0, cap - fsAvail);
        p.used = bytesFromInteger(u);
        if (cap > 0) p.usedPercent = Math.floor((u * 100) / cap);
      }
      if (reserved !== undefined) p.reserved = bytesFromInteger(reserved);
      if (max !== undefined && max > 0) {
        p.limit = { max: bytesFromInteger(max)! };
        if (used !== undefined) {
          p.limit.used = bytesFromInteger(used);
          p.limit.percent = Math.floor((used * 100) / max);
        }
      }
    } else if (stats[id] !== undefined) problems.push(problem('Filecoin.StorageStat', `path ${id}: unreadable answer`));
    const info = obj(infos[id]);
    if (info) {
      const weight = count(info.Weight);
      if (weight !== undefined) p.weight = weight;
      const canSeal = bool(info.CanSeal);
      const canStore = bool(info.CanStore);
      if (canSeal !== undefined) p.canSeal = canSeal;
      if (canStore !== undefined) p.canStore = canStore;
      p.useText = canSeal && canStore ? 'Seal Store' : canSeal ? 'Seal' : canStore ? 'Store' : 'ReadOnly';
      p.urls = strings(info.URLs, 64).map((u) => clipText(u, 1024));
      const groups = strings(info.Groups).map((g) => clipText(g, 256));
      const allowTo = strings(info.AllowTo).map((g) => clipText(g, 256));
      const allowTypes = strings(info.AllowTypes, 64).map((g) => clipText(g, 256));
      const denyTypes = strings(info.DenyTypes, 64).map((g) => clipText(g, 256));
      if (groups.length) p.groups = groups;
      if (allowTo.length) p.allowTo = allowTo;
      if (allowTypes.length) p.allowTypes = allowTypes;
      if (denyTypes.length) p.denyTypes = denyTypes;
    }
    out[p.id] = p;
  }
  return out;
}
