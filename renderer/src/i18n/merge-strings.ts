type Tree = { readonly [key: string]: string | Tree };

/**
 * Merges string trees into one (the shell's and every feature's). Two features giving the same
 * key a value is a mistake: it throws at start instead of one silently winning.
 */
export function mergeStrings(trees: readonly object[], path: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const tree of trees as readonly Tree[]) {
    for (const [key, value] of Object.entries(tree)) {
      const existing = out[key];
      if (existing === undefined) out[key] = value;
      else if (typeof existing === 'object' && existing !== null && typeof value === 'object') out[key] = mergeStrings([existing, value], [...path, key]);
      else throw new Error(`translation key ${[...path, key].join('.')} is defined twice`);
    }
  }
  return out;
}
