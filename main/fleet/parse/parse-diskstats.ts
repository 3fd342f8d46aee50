import { parseCounter, splitLines } from './parse-util';

/** Cumulative counters of one block device (/proc/diskstats; sectors are always 512 bytes there). */
export interface DiskCounters {
  reads: number;
  readSectors: number;
  writes: number;
  writeSectors: number;
  /** Milliseconds spent with I/O in flight. */
  ioMs: number;
}

const PARTITION = /^((sd|hd|vd|xvd)[a-z]+\d+|(nvme\d+n\d+|mmcblk\d+|md\d+|nbd\d+)p\d+)$/;
const IGNORED = /^(loop|ram|sr|fd)\d+$/;

/** Whole disks only (partitions would count the same I/O twice); loop, ram, cdrom and floppy left out. */
export function isReportedDisk(name: string): boolean {
  return !PARTITION.test(name) && !IGNORED.test(name);
}

/** /proc/diskstats: "major minor name reads merged sectors ms writes merged sectors ms inflight io_ms weighted ...". */
export function parseDiskstats(text: string): Map<string, DiskCounters> {
  const out = new Map<string, DiskCounters>();
  for (const line of splitLines(text)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    const name = f[2]!;
    if (!isReportedDisk(name)) continue;
    const n = (i: number) => parseCounter(f[i]);
    const reads = n(3);
    const readSectors = n(5);
    const writes = n(7);
    const writeSectors = n(9);
    const ioMs = n(12);
    if (reads === null || readSectors === null || writes === null || writeSectors === null || ioMs === null) continue;
    out.set(name, { reads, readSectors, writes, writeSectors, ioMs });
  }
  return out;
}
