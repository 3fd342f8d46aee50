/**
 * OpenSSH-style wildcard patterns, as used in known_hosts host fields and ssh_config Host lines:
 * `*` matches any run of characters (including none), `?` exactly one; nothing else is special.
 */

/** True when the whole of `text` matches `pattern`. Linear-time greedy matcher with one backtrack point. */
export function matchWildcard(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const pc = pattern[p];
    if (pc === '*') {
      starP = p++;
      starT = t;
    } else if (pc !== undefined && (pc === '?' || pc === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** True when the pattern contains a wildcard (so it names no single host). */
export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/**
 * Matches `text` against a list of patterns, each possibly negated with a leading `!` (OpenSSH
 * match_pattern_list): 'negated' when a negated pattern matches (that wins over everything),
 * 'match' when a positive pattern matches, otherwise 'none'.
 */
export function matchPatternList(text: string, patterns: readonly string[]): 'match' | 'negated' | 'none' {
  let positive = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (matchWildcard(text, pattern)) {
      if (negated) return 'negated';
      positive = true;
    }
  }
  return positive ? 'match' : 'none';
}
