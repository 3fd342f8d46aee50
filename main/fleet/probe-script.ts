import { AppError } from '../contract/errors';

/**
 * The one command a host health probe runs: a POSIX sh script, sent as `sh -c <script> <args>`
 * through the SSH layer (argv array, quoted by main/ssh/shell-quote.ts). Everything variable goes
 * in as positional arguments, never spliced into the script text.
 *
 * Output: lines starting with "@@drover" delimit sections:
 *   @@drover probe v=1                      first line
 *   @@drover begin NAME / @@drover end NAME rc=N   around the output (stdout + stderr) of one read or tool
 *   @@drover absent NAME                    the tool is not installed (not an error)
 *   @@drover skipped NAME                   not asked for (SMART)
 *   @@drover done uptime0=S uptime1=S       last line; its absence means the output was cut off
 * Sections: meta, uptime, loadavg, stat, meminfo, df, diskstats, netdev, hwmon, thermal, sensors,
 * nvidia, rocm, smart. Tools run under `timeout` (GNU, or BusyBox with or without -k/-t) so one hung
 * tool (df on a dead NFS mount, nvidia-smi on a wedged GPU) cannot hang the probe. Single-line files
 * and sysfs are read with the shell's `read`, so the probe forks only for cat/df/grep and the tools.
 */

/**
 * nvidia-smi --query-gpu fields (names from `nvidia-smi --help-query-gpu`, H100 capture). The first
 * fifteen are exactly the earlier real capture (gpu/query.csv); clocks_throttle_reasons.active is
 * the alias every driver since R340 accepts (newer ones call it clocks_event_reasons.active).
 */
export const NVIDIA_QUERY_FIELDS = [
  'index',
  'name',
  'uuid',
  'pci.bus_id',
  'temperature.gpu',
  'fan.speed',
  'power.draw',
  'power.limit',
  'utilization.gpu',
  'utilization.memory',
  'memory.used',
  'memory.total',
  'clocks.sm',
  'clocks.mem',
  'pstate',
  'clocks_throttle_reasons.active',
] as const;

/**
 * The fallback when a driver refuses a field of the list above (nvidia-smi fails the whole query
 * on one unknown field): the exact field list of the real H100 capture.
 */
export const NVIDIA_BASIC_FIELDS = [
  'index',
  'name',
  'uuid',
  'pci.bus_id',
  'temperature.gpu',
  'fan.speed',
  'power.draw',
  'power.limit',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'clocks.sm',
  'clocks.mem',
] as const;

export const ROCM_SMI_ARGS = ['--showtemp', '--showuse', '--showpower', '--showfan', '--json'] as const;

export const PROBE_MARK = '@@drover';

/**
 * A generous bound for one probe's output (a 16-GPU host with 100 mounts prints ~20 KB): pass it
 * as exec's maxOutputBytes so a runaway tool cannot fill memory.
 */
export const PROBE_MAX_OUTPUT_BYTES = 1024 * 1024;

// Sub-scripts run as `sh -c "$HWMON" sh SYSROOT` under timeout. They must not contain a single quote.
const HWMON = [
  'for d in "$1"/class/hwmon/hwmon*; do',
  '  [ -d "$d" ] || continue',
  '  n=; { read -r n < "$d/name"; } 2>/dev/null',
  '  [ -n "$n" ] || { read -r n < "$d/device/name"; } 2>/dev/null',
  '  found=0',
  '  for p in "$d" "$d/device"; do',
  '    [ "$found" = 1 ] && break',
  '    for f in "$p"/temp*_input; do',
  '      [ -f "$f" ] || continue',
  '      found=1; b=${f%_input}; v=; l=; mx=; cr=',
  '      { read -r v < "$f"; } 2>/dev/null',
  '      [ -f "${b}_label" ] && { read -r l < "${b}_label"; } 2>/dev/null',
  '      [ -f "${b}_max" ] && { read -r mx < "${b}_max"; } 2>/dev/null',
  '      [ -f "${b}_crit" ] && { read -r cr < "${b}_crit"; } 2>/dev/null',
  '      printf "%s\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n" "${d##*/}" "$n" "${b##*/}" "$v" "$mx" "$cr" "$l"',
  '    done',
  '  done',
  'done',
].join('\n');

const THERMAL = [
  'for z in "$1"/class/thermal/thermal_zone*; do',
  '  [ -d "$z" ] || continue',
  '  t=; v=',
  '  { read -r t < "$z/type"; } 2>/dev/null',
  '  { read -r v < "$z/temp"; } 2>/dev/null',
  '  printf "%s\\t%s\\t%s\\n" "${z##*/}" "$t" "$v"',
  'done',
].join('\n');

/** The script itself. Arguments: $1 section timeout (s), $2 smart 1/0, $3 extra PATH, $4 sysfs root, $5 nvidia fields, $6 fallback fields. */
export const PROBE_SCRIPT = `T=$1 SMART=$2 XPATH=$3 S=$4 NVF=$5 NVB=$6
LC_ALL=C; export LC_ALL
[ -n "$XPATH" ] && PATH="$XPATH:$PATH"
PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/rocm/bin"; export PATH
M=${PROBE_MARK}
HWMON='${HWMON}'
THERMAL='${THERMAL}'
have() { command -v "$1" >/dev/null 2>&1; }
emit() { printf '%s begin %s\\n%s\\n%s end %s rc=%s\\n' "$M" "$1" "$3" "$M" "$1" "$2"; }
run() { n=$1; shift; o=$("$@" 2>&1); rc=$?; emit "$n" "$rc" "$o"; }
absent() { printf '%s absent %s\\n' "$M" "$1"; }
up0=; { read -r up0 _ < /proc/uptime; } 2>/dev/null
printf '%s probe v=1\\n' "$M"
TM=none
to() { "$@"; }
if have timeout; then
  if timeout -k 1 1 true >/dev/null 2>&1; then TM=gnu; to() { timeout -k 2 "$T" "$@"; }
  elif timeout 1 true >/dev/null 2>&1; then TM=plain; to() { timeout "$T" "$@"; }
  elif timeout -t 1 true >/dev/null 2>&1; then TM=busybox-t; to() { timeout -t "$T" "$@"; }
  fi
fi
h=; { read -r h < /proc/sys/kernel/hostname; } 2>/dev/null
k=; { read -r k < /proc/sys/kernel/osrelease; } 2>/dev/null
emit meta 0 "hostname=$h
kernel=$k
timeout=$TM"
l=; { read -r l < /proc/uptime; } 2>/dev/null; emit uptime $? "$l"
l=; { read -r l < /proc/loadavg; } 2>/dev/null; emit loadavg $? "$l"
run stat grep -E '^(cpu|btime)' /proc/stat
run meminfo grep -E '^(Mem|Swap|Buffers|Cached)' /proc/meminfo
run df to df -kP
run diskstats grep -Ev ' (loop|ram)[0-9]+ ' /proc/diskstats
run netdev cat /proc/net/dev
run hwmon to sh -c "$HWMON" sh "$S"
run thermal to sh -c "$THERMAL" sh "$S"
if have sensors; then run sensors to sensors -u; else absent sensors; fi
if have nvidia-smi; then
  f=$NVF; o=$(to nvidia-smi --query-gpu="$f" --format=csv,noheader,nounits 2>&1); rc=$?; fb=
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] && [ -n "$NVB" ]; then
    case $o in *[Ff]ield*)
      fb=1; f=$NVB; o=$(to nvidia-smi --query-gpu="$f" --format=csv,noheader,nounits 2>&1); rc=$? ;;
    esac
  fi
  emit nvidia "$rc" "fields=$f
fallback=$fb
$o"
else absent nvidia; fi
if have rocm-smi; then run rocm to rocm-smi ${ROCM_SMI_ARGS.join(' ')}; else absent rocm; fi
if [ "$SMART" != 1 ]; then printf '%s skipped smart\\n' "$M"
elif ! have smartctl; then absent smart
else
  SU=; u=$(id -u 2>/dev/null)
  if [ "$u" != 0 ]; then if have sudo; then SU='sudo -n'; else SU=none; fi; fi
  if [ "$SU" = none ]; then emit smart 0 "@denied no sudo"
  else
    o=
    for b in "$S"/block/*; do
      [ -e "$b" ] || continue
      n=\${b##*/}
      case $n in loop*|ram*|zram*|dm-*|md*|sr*|fd*|nbd*) continue ;; esac
      r=$(to $SU smartctl -H -n standby "/dev/$n" 2>&1); c=$?
      o="$o@disk $n rc=$c
$r
"
      case $r in *"password is required"*|*"terminal is required"*|*"not allowed to"*|*"may not run sudo"*|*"not in the sudoers"*)
        o="$o@denied sudo
"; break ;;
      esac
    done
    emit smart 0 "$o"
  fi
fi
up1=; { read -r up1 _ < /proc/uptime; } 2>/dev/null
printf '%s done uptime0=%s uptime1=%s\\n' "$M" "$up0" "$up1"
`;

export interface ProbeScriptOptions {
  /** Timeout for each tool or read (seconds, 1..120). Default 5. */
  sectionTimeoutSec?: number;
  /**
   * Run `smartctl -H -n standby` on every disk (as root, or through `sudo -n`, never prompting).
   * Off by default: run it on a slower cadence (every few minutes), because a refused `sudo -n`
   * is logged on the host and smartctl wakes nothing but still costs a command per disk.
   */
  smart?: boolean;
  /** Directories put first on PATH (tools in odd places; test fakes). Absolute paths without ':'. */
  extraPath?: readonly string[];
  /** Root of sysfs (default /sys); tests point it at a fake tree. */
  sysRoot?: string;
}

const ABSOLUTE_PATH = /^\/[^:\n\0]*$/;

/** The argv to hand to the SSH layer's exec(): ['sh', '-c', PROBE_SCRIPT, 'drover-probe', ...args]. */
export function probeArgv(options: ProbeScriptOptions = {}): string[] {
  const timeoutSec = options.sectionTimeoutSec ?? 5;
  if (!Number.isInteger(timeoutSec) || timeoutSec < 1 || timeoutSec > 120) {
    throw new AppError('INVALID_INPUT', `probe section timeout must be a whole number of seconds from 1 to 120, not ${timeoutSec}`);
  }
  const extra = options.extraPath ?? [];
  for (const dir of extra) {
    if (!ABSOLUTE_PATH.test(dir)) throw new AppError('INVALID_INPUT', `extra PATH entry ${JSON.stringify(dir)} is not an absolute path without ':'`);
  }
  const sysRoot = options.sysRoot ?? '/sys';
  if (!ABSOLUTE_PATH.test(sysRoot)) throw new AppError('INVALID_INPUT', `sysfs root ${JSON.stringify(sysRoot)} is not an absolute path`);
  return [
    'sh',
    '-c',
    PROBE_SCRIPT,
    'drover-probe',
    String(timeoutSec),
    options.smart ? '1' : '0',
    extra.join(':'),
    sysRoot,
    NVIDIA_QUERY_FIELDS.join(','),
    NVIDIA_BASIC_FIELDS.join(','),
  ];
}
