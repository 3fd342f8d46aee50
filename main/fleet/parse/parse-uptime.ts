import { parseNumber } from './parse-util';

/** /proc/uptime: "861.44 1228.30" (seconds up, idle seconds summed over CPUs). */
export function parseUptime(text: string): { uptimeSec: number; idleSec: number | null } | null {
  const [up, idle] = text.trim().split(/\s+/);
  const uptimeSec = parseNumber(up);
  if (uptimeSec === null || uptimeSec < 0) return null;
  return { uptimeSec, idleSec: parseNumber(idle) };
}
