import type { SmartDisk } from '../../contract/fleet';
import { splitLines } from './parse-util';

/** Exit status bit 3 of smartctl: "SMART status check returned DISK FAILING". */
const RC_DISK_FAILING = 8;

/** One `smartctl -H -n standby /dev/X` output and its exit status. */
export function smartHealth(device: string, text: string, rc: number | null): SmartDisk {
  const lines = splitLines(text).map((l) => l.trim());
  const find = (re: RegExp) => lines.find((l) => re.test(l)) ?? null;
  const ata = find(/self-assessment test result:/i);
  if (ata) return { device, health: /PASSED/i.test(ata) && !((rc ?? 0) & RC_DISK_FAILING) ? 'passed' : 'failed', detail: ata };
  const scsi = find(/^SMART Health Status:/i);
  if (scsi) return { device, health: /:\s*OK\b/i.test(scsi) && !((rc ?? 0) & RC_DISK_FAILING) ? 'passed' : 'failed', detail: scsi };
  if (rc !== null && rc & RC_DISK_FAILING) return { device, health: 'failed', detail: find(/FAIL/i) ?? `smartctl exit status ${rc}` };
  const standby = find(/STANDBY|SLEEP mode/i);
  if (standby) return { device, health: 'standby', detail: standby };
  const unsupported = find(/Unable to detect device type|SMART support is:\s*(Unavailable|Disabled)|does not support SMART|Unknown USB bridge/i);
  if (unsupported) return { device, health: 'unsupported', detail: unsupported };
  const last = [...lines].reverse().find((l) => l !== '' && !/^Use smartctl -h|^Copyright|^smartctl \d/.test(l)) ?? null;
  return { device, health: 'unknown', detail: last ?? (rc === null ? 'no output' : `smartctl exit status ${rc}`) };
}

export interface SmartSection {
  disks: SmartDisk[];
  /** sudo refused (needs a password, not allowed) or absent for a non-root user. */
  denied: boolean;
}

/** The probe's SMART section: "@disk NAME rc=N" blocks, and "@denied ..." when sudo refused. */
export function parseSmartSection(text: string): SmartSection {
  const disks: SmartDisk[] = [];
  let denied = false;
  let device: string | null = null;
  let rc: number | null = null;
  let body: string[] = [];
  const flush = () => {
    if (device !== null) disks.push(smartHealth(device, body.join('\n'), rc));
    device = null;
    body = [];
  };
  for (const line of splitLines(text)) {
    const disk = /^@disk (\S+) rc=(\d+)$/.exec(line);
    if (disk) {
      flush();
      device = disk[1]!;
      rc = Number(disk[2]);
      continue;
    }
    if (line.startsWith('@denied')) {
      denied = true;
      // The disk whose attempt was refused has no health to report.
      device = null;
      body = [];
      continue;
    }
    body.push(line);
  }
  flush();
  return { disks, denied };
}
