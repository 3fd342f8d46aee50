/**
 * Filecoin.ChainNotify values: each is a batch []HeadChange{Type, Val *TipSet}; the first is one
 * "current", then "apply" per new head and "revert"+"apply" on re-orgs (chain/store/store.go).
 */
export interface HeadChange {
  /** "current" | "apply" | "revert" (other strings are passed on). */
  type: string;
  height?: number;
  /** Block CIDs of the tipset. */
  cids: string[];
  /** Unix ms of the tipset (block timestamp). */
  timestampMs?: number;
}

export function toHeadChanges(value: unknown): HeadChange[] {
  if (!Array.isArray(value)) return [];
  const out: HeadChange[] = [];
  for (const hc of value) {
    if (typeof hc !== 'object' || hc === null) continue;
    const { Type, Val } = hc as { Type?: unknown; Val?: unknown };
    const ts = (typeof Val === 'object' && Val !== null ? Val : {}) as { Height?: unknown; Cids?: unknown; Blocks?: unknown };
    const change: HeadChange = { type: typeof Type === 'string' ? Type : String(Type), cids: [] };
    if (typeof ts.Height === 'number' && Number.isSafeInteger(ts.Height)) change.height = ts.Height;
    if (Array.isArray(ts.Cids)) {
      for (const c of ts.Cids) if (c && typeof (c as { '/': unknown })['/'] === 'string') change.cids.push((c as { '/': string })['/']);
    }
    const first = Array.isArray(ts.Blocks) ? (ts.Blocks[0] as { Timestamp?: unknown } | undefined) : undefined;
    if (typeof first?.Timestamp === 'number') change.timestampMs = first.Timestamp * 1000;
    out.push(change);
  }
  return out;
}
