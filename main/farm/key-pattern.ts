import { NETBOOT_KEY_VARIABLES, type NetbootKeyVariable } from '../contract/netboot';
import { macForms } from './mac-address';

/**
 * The farm's etcd key patterns such as "/farm/dc/{uuid}/config" and "/farm/workers/{mac}/env",
 * compiled once: the one reading of a pattern string for the netboot responder and the etcd
 * page's farm view (main/etcd/farm-keys.ts builds on compileKeyPattern), so a pattern means the
 * same key in both places. MAC forms come from mac-address.ts: {mac} (lower-case colons),
 * {macHyphen}, {macBare}, {macUpper}; {mac:colon}, {mac:hyphen}, {mac:bare} and {mac:upper} are
 * the same variables spelled the etcd page's way.
 */

export type KeyPart = { readonly text: string } | { readonly variable: NetbootKeyVariable };

export interface EtcdKeyPattern {
  readonly source: string;
  readonly parts: readonly KeyPart[];
  readonly variables: ReadonlySet<NetbootKeyVariable>;
}

const KNOWN = new Set<string>(NETBOOT_KEY_VARIABLES);
export const MAC_KEY_VARIABLES: readonly NetbootKeyVariable[] = ['mac', 'macHyphen', 'macBare', 'macUpper'];
const ALIASES: Readonly<Record<string, NetbootKeyVariable>> = { 'mac:colon': 'mac', 'mac:hyphen': 'macHyphen', 'mac:bare': 'macBare', 'mac:upper': 'macUpper' };

export function compileKeyPattern(source: string): { ok: true; pattern: EtcdKeyPattern } | { ok: false; error: string } {
  if ([...source].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return { ok: false, error: 'an etcd key pattern cannot contain control characters' };
  const parts: KeyPart[] = [];
  const variables = new Set<NetbootKeyVariable>();
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{', i);
    const stray = source.indexOf('}', i);
    if (stray >= 0 && (open < 0 || stray < open)) return { ok: false, error: `"}" at character ${stray + 1} has no matching "{"` };
    if (open < 0) {
      parts.push({ text: source.slice(i) });
      break;
    }
    if (open > i) parts.push({ text: source.slice(i, open) });
    const close = source.indexOf('}', open + 1);
    if (close < 0) return { ok: false, error: `"{" at character ${open + 1} is not closed` };
    const written = source.slice(open + 1, close);
    const name = ALIASES[written] ?? written;
    if (!KNOWN.has(name)) return { ok: false, error: `unknown variable {${written}}; known: ${NETBOOT_KEY_VARIABLES.map((v) => `{${v}}`).join(', ')}` };
    const variable = name as NetbootKeyVariable;
    parts.push({ variable });
    variables.add(variable);
    i = close + 1;
  }
  return { ok: true, pattern: { source, parts, variables } };
}

export interface KeyValues {
  uuid: string;
  subnetName: string;
  /** Any MAC form; required when the pattern uses a MAC variable. */
  mac?: string;
}

export function renderKeyPattern(pattern: EtcdKeyPattern, values: KeyValues): string {
  const forms = values.mac === undefined ? undefined : macForms(values.mac);
  let out = '';
  for (const p of pattern.parts) {
    if ('text' in p) {
      out += p.text;
      continue;
    }
    switch (p.variable) {
      case 'uuid':
        out += values.uuid;
        break;
      case 'subnetName':
        out += values.subnetName;
        break;
      default: {
        if (!forms) throw new Error(`the key pattern ${pattern.source} needs a MAC`);
        out +=
          p.variable === 'mac' ? forms.colon : p.variable === 'macHyphen' ? forms.hyphen : p.variable === 'macBare' ? forms.bare : forms.upper;
      }
    }
  }
  return out;
}

export function usesMac(pattern: EtcdKeyPattern): boolean {
  return MAC_KEY_VARIABLES.some((v) => pattern.variables.has(v));
}
