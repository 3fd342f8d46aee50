import type { MountUsage, ProbeProblem } from '../../contract/fleet';
import { addProblem, parseCounter, splitLines } from './parse-util';

/** Pseudo and read-only image mounts that say nothing about free space (and would be "100% full"). */
function isNoise(source: string, mount: string): boolean {
  if (mount === '/dev' || mount.startsWith('/dev/') || mount.startsWith('/proc') || mount === '/sys' || mount.startsWith('/sys/')) return true;
  if (mount.startsWith('/run/user/') || mount === '/run/lock' || mount.startsWith('/run/credentials/') || mount.startsWith('/snap/')) return true;
  if (source.startsWith('/dev/loop')) return true;
  return false;
}

/**
 * `df -kP` (GNU or BusyBox): "Filesystem 1024-blocks Used Available Capacity Mounted on".
 * Mount points may contain spaces (everything after the fifth column). Zero-size file systems and
 * pseudo mounts are left out; a mount point listed twice (over-mounted) keeps its last line.
 */
export function parseDf(text: string, problems: ProbeProblem[]): MountUsage[] {
  const byMount = new Map<string, MountUsage>();
  let bad = 0;
  for (const line of splitLines(text)) {
    if (line.trim() === '' || /^Filesystem\s/.test(line)) continue;
    const m = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+%|-)\s+(\/.*)$/.exec(line);
    if (!m) {
      bad++;
      if (bad <= 3) addProblem(problems, 'df', 'warning', `df: ${line.slice(0, 200)}`);
      continue;
    }
    const [, source, blocksText, usedText, availText, capText, mount] = m as unknown as [string, string, string, string, string, string, string];
    const blocks = parseCounter(blocksText);
    const used = parseCounter(usedText);
    const avail = parseCounter(availText);
    if (blocks === null || used === null || avail === null || blocks === 0 || isNoise(source, mount)) continue;
    const cap = parseCounter(capText.replace('%', ''));
    const usePercent = cap ?? (used + avail > 0 ? Math.ceil((used * 100) / (used + avail)) : 0);
    byMount.delete(mount);
    byMount.set(mount, { mount, source, sizeBytes: blocks * 1024, usedBytes: used * 1024, availableBytes: avail * 1024, usePercent });
  }
  return [...byMount.values()];
}
