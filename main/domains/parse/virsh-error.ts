import { AppError, type ErrorCode } from '../../contract/errors';
import { asText, splitLines } from './parse-result';

/**
 * virsh's error text → an AppError with a code from the closed list. The message is virsh's
 * own text (its `error: ` lines, prefix removed, one per line) so the UI shows what virsh said;
 * the hint says what usually fixes it. Examples (libvirt 9.0, LC_ALL=C):
 *
 *   error: failed to connect to the hypervisor
 *   error: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory
 *   error: failed to get domain 'nosuch'
 *   error: Domain not found: no domain with matching name 'nosuch'        (older virsh adds this)
 *   error: operation forbidden: read only access prevents virDomainSuspend
 *   error: Requested operation is not valid: domain is not running
 *   error: this function is not supported by the connection driver: virDomainMigrate3
 */

export interface VirshRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Rule {
  code: ErrorCode;
  test: RegExp;
  hint: string;
}

const CONNECT = /failed to connect to the hypervisor|Failed to connect socket|Cannot recv data|End of file while reading data|Cannot write data|Connection reset by peer|Broken pipe|unable to connect to server/i;
const CONNECT_DENIED = /Permission denied|authentication (?:unavailable|failed)|polkit|access denied|not authorized/i;

const RULES: Rule[] = [
  {
    code: 'TIMEOUT',
    test: /cannot acquire state change lock|Timed out during operation|timed out/i,
    hint: 'Another job holds the domain (a migration, a backup, a stuck monitor). Wait, or check the host with `virsh domjobinfo`.',
  },
  {
    code: 'PERMISSION_DENIED',
    test: /read only access prevents|operation forbidden|access denied|Permission denied|not authorized/i,
    hint: 'The SSH user may not do this with libvirt: use a user in the libvirt group, or root.',
  },
  {
    code: 'NOT_FOUND',
    test: /Domain not found|failed to get domain|no domain with matching|Domain snapshot not found|no domain snapshot with matching|snapshot .*not found|cannot read domain image|No such file or directory|not a known interface|invalid path/i,
    hint: 'It may have been renamed, undefined or moved to another host; refresh the list.',
  },
  {
    code: 'ALREADY_EXISTS',
    test: /already exists/i,
    hint: 'Pick another name.',
  },
  {
    code: 'UNSUPPORTED',
    test: /this function is not supported|not supported by the connection driver|Operation not supported|unsupported configuration|unknown command|doesn't support option|unknown option|is not supported/i,
    hint: 'This hypervisor driver or this virsh version cannot do that.',
  },
  {
    code: 'CONFLICT',
    test: /Requested operation is not valid|not running|is already active|already running|not paused|already paused|has no managed save image|domain is already/i,
    hint: 'The domain is not in a state that allows this; refresh and try again.',
  },
  {
    code: 'INVALID_INPUT',
    test: /invalid argument|expected syntax|mutually exclusive|XML error|invalid (?:uri|name)/i,
    hint: 'Check the values given to the action.',
  },
];

/** virsh's error lines without the `error: ` prefix; when there are none, the non-empty stderr lines. */
export function virshErrorLines(stderr: unknown): string[] {
  const lines = splitLines(asText(stderr))
    .map((l) => l.trimEnd())
    // "setlocale: No such file or directory": the host lacks C.UTF-8 and virsh fell back to C.
    .filter((l) => l.trim() !== '' && !l.startsWith('setlocale: '));
  const errors = lines.filter((l) => l.startsWith('error: ')).map((l) => l.slice('error: '.length));
  return errors.length > 0 ? errors : lines;
}

const MAX_MESSAGE = 4000;

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/**
 * The AppError for a failed virsh run, or null when it succeeded (exit 0 and no `error:` line).
 * `what` prefixes the message when given ("gpu-rig-01: …").
 */
export function classifyVirshError(run: VirshRun, what?: string): AppError | null {
  const stderr = asText(run.stderr);
  const lines = virshErrorLines(stderr);
  const hasError = /^error: /m.test(stderr);
  if (run.code === 0 && !hasError) return null;
  const text = lines.length > 0 ? lines.join('\n') : run.code === null ? 'virsh was killed before it finished' : `virsh exited with code ${run.code} and printed no error`;
  const message = clip(what ? `${what}: ${text}` : text, MAX_MESSAGE);
  const details = { virshMessage: clip(text, MAX_MESSAGE), exitCode: run.code };

  if (run.code === 127 || /virsh: (?:command )?not found|'virsh': No such file or directory|virsh: No such file/.test(stderr)) {
    return new AppError('UNAVAILABLE', message, { hint: 'virsh is not installed on the host: install libvirt-clients (Debian/Ubuntu) or libvirt-client (RHEL).', details });
  }
  if (CONNECT.test(text)) {
    if (CONNECT_DENIED.test(text)) {
      return new AppError('PERMISSION_DENIED', message, {
        hint: 'libvirt refused the SSH user: add it to the libvirt group (then log in again), or log in as a user that may open this URI.',
        details,
      });
    }
    return new AppError('UNAVAILABLE', message, {
      hint: 'libvirtd (or virtqemud) is not reachable on the host: is it running (`systemctl status libvirtd`), and is the URI right?',
      details,
    });
  }
  for (const rule of RULES) {
    if (rule.test.test(text)) return new AppError(rule.code, message, { hint: rule.hint, details });
  }
  return new AppError('INTERNAL', message, { hint: 'virsh failed in an unexpected way; its message is above.', details });
}

/** True when a batch failed before running anything because a command did not parse (an option this virsh lacks). */
export function isVirshParseError(run: VirshRun): boolean {
  return run.code !== 0 && /unknown command|doesn't support option|unknown option|mutually exclusive|expected syntax|command '[^']*' requires|unexpected data/i.test(asText(run.stderr));
}
