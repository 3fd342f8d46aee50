/**
 * MAC addresses as the farm writes them: etcd worker-env keys, iPXE's ${net0/mac} (colons) and
 * ${net0/mac:hexhyp} (hyphens), dnsmasq logs, bare hex from inventories. One canonical form:
 * lower-case, colon-separated ("52:54:00:a1:9c:ae"). Shared by main (main/farm/mac-address.ts
 * re-exports it) and the renderer (matching a page's machine to its Fleet identity).
 */

const SEPARATED = /^([0-9a-fA-F]{1,2})([:-])([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})$/;
const BARE = /^[0-9a-fA-F]{12}$/;
const DOTTED = /^([0-9a-fA-F]{4})\.([0-9a-fA-F]{4})\.([0-9a-fA-F]{4})$/;

/** The canonical form of a MAC in colon, hyphen, dotted (Cisco) or bare form; undefined when it is not one. */
export function normalizeMac(text: string): string | undefined {
  const s = text.trim();
  let hex: string;
  const sep = SEPARATED.exec(s);
  if (sep) {
    hex = [sep[1], sep[3], sep[4], sep[5], sep[6], sep[7]].map((p) => p!.padStart(2, '0')).join('');
  } else if (BARE.test(s)) {
    hex = s;
  } else {
    const dotted = DOTTED.exec(s);
    if (!dotted) return undefined;
    hex = `${dotted[1]}${dotted[2]}${dotted[3]}`;
  }
  hex = hex.toLowerCase();
  return hex.match(/../g)!.join(':');
}
