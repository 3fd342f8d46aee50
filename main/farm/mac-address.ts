/**
 * MAC addresses as the farm writes them: etcd worker-env keys, iPXE's ${net0/mac} (colons) and
 * ${net0/mac:hexhyp} (hyphens), dnsmasq logs, bare hex from inventories. One canonical form:
 * lower-case, colon-separated ("52:54:00:a1:9c:ae").
 */

import { normalizeMac } from '../contract/mac-address';

export { normalizeMac };

export function isMac(text: string): boolean {
  return normalizeMac(text) !== undefined;
}

/** The forms a key pattern may need: colon (canonical), hyphen, bare, upper-case colon. */
export function macForms(mac: string): { colon: string; hyphen: string; bare: string; upper: string } {
  const colon = normalizeMac(mac);
  if (!colon) throw new Error(`not a MAC address: ${JSON.stringify(mac)}`);
  return { colon, hyphen: colon.replace(/:/g, '-'), bare: colon.replace(/:/g, ''), upper: colon.toUpperCase() };
}
