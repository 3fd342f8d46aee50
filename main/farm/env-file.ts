/**
 * The worker environment format (worker.env, the etcd worker-env and datacenter config values):
 * KEY=VALUE lines as a POSIX shell reads them with `set -a; . worker.env`. Comments (#) and blank
 * lines are allowed; `export KEY=VALUE` is accepted; values may be single- or double-quoted.
 * Parsing reports every bad line with its number; nothing is guessed.
 */

export interface EnvEntry {
  key: string;
  value: string;
}

export interface EnvProblem {
  /** 1-based line number. */
  line: number;
  message: string;
}

export interface ParsedEnv {
  entries: EnvEntry[];
  problems: EnvProblem[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isEnvKey(key: string): boolean {
  return KEY.test(key);
}

export function parseEnv(text: string): ParsedEnv {
  const entries: EnvEntry[] = [];
  const problems: EnvProblem[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  lines.forEach((raw, i) => {
    const line = i + 1;
    let s = raw.trim();
    if (s === '' || s.startsWith('#')) return;
    if (s.startsWith('export ')) s = s.slice(7).trimStart();
    const eq = s.indexOf('=');
    if (eq <= 0) {
      problems.push({ line, message: `expected KEY=VALUE, got ${JSON.stringify(truncate(raw))}` });
      return;
    }
    const key = s.slice(0, eq);
    if (!KEY.test(key)) {
      problems.push({ line, message: `${JSON.stringify(truncate(key))} is not a variable name (letters, digits and _, not starting with a digit)` });
      return;
    }
    const value = parseValue(s.slice(eq + 1));
    if (typeof value !== 'string') {
      problems.push({ line, message: `${key}: ${value.error}` });
      return;
    }
    entries.push({ key, value });
  });
  return { entries, problems };
}

function parseValue(v: string): string | { error: string } {
  // A sequence of single-quoted, double-quoted and bare segments (as in 'it'\''s'), ended by
  // the end of the line or an unquoted " #" comment.
  let out = '';
  let i = 0;
  while (i < v.length) {
    const c = v[i]!;
    if (c === "'") {
      const end = v.indexOf("'", i + 1);
      if (end < 0) return { error: 'unterminated single quote' };
      out += v.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < v.length && v[j] !== '"'; j++) {
        const d = v[j]!;
        if (d === '\\' && j + 1 < v.length && '"\\$`'.includes(v[j + 1]!)) out += v[++j];
        else if (d === '$' || d === '`') return { error: 'command or variable substitution ($ or `) is not allowed in a worker env value' };
        else out += d;
      }
      if (j >= v.length) return { error: 'unterminated double quote' };
      i = j + 1;
    } else if (c === '\\') {
      if (i + 1 >= v.length) return { error: 'a backslash at the end of the line' };
      out += v[i + 1];
      i += 2;
    } else if (/\s/.test(c)) {
      const rest = v.slice(i).trim();
      if (rest === '' || rest.startsWith('#')) return out;
      return { error: 'unquoted value with spaces: quote it' };
    } else if ('`$;&|<>(){}'.includes(c)) {
      return { error: `unquoted shell character ${JSON.stringify(c)}: quote the value` };
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** A value as the shell reads it back exactly: bare when safe, else single-quoted. */
export function quoteEnvValue(value: string): string {
  if (/^[A-Za-z0-9_./:@%+,=-]*$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function serializeEnv(entries: readonly EnvEntry[]): string {
  return entries.map((e) => `${e.key}=${quoteEnvValue(e.value)}\n`).join('');
}

/**
 * Layers merged in order, later ones winning (the datacenter config, then the worker's own env);
 * a key keeps the position where it first appeared.
 */
export function mergeEnv(...layers: readonly (readonly EnvEntry[])[]): EnvEntry[] {
  const merged = new Map<string, string>();
  for (const layer of layers) for (const e of layer) merged.set(e.key, e.value);
  return [...merged].map(([key, value]) => ({ key, value }));
}

function truncate(s: string, max = 60): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
