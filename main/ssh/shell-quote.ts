import { AppError } from '../contract/errors';

/**
 * POSIX sh quoting for remote commands. sshd runs the command string through the user's login
 * shell (`$SHELL -c command`), so every argument is quoted to reach the program byte for byte.
 * Assumes a POSIX-compatible login shell (sh, dash, bash, ksh, zsh), not csh or fish.
 *
 * Words made only of unambiguous characters stay bare (readable logs); everything else is put in
 * single quotes, inside which no character is special, and each `'` becomes `'\''`.
 */

/** Bytes that are never special to a POSIX shell in any word position. */
const SAFE_BYTE = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@+:,./-') SAFE_BYTE[c.charCodeAt(0)] = 1;

/** Reserved words are special as a command name even though they are plain letters. */
const RESERVED = new Set(['case', 'coproc', 'do', 'done', 'elif', 'else', 'esac', 'fi', 'for', 'function', 'if', 'in', 'select', 'then', 'time', 'until', 'while']);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const QUOTE = 0x27;
const ESCAPED_QUOTE = Buffer.from("'\\''");

function toBytes(arg: string | Buffer, index: number | undefined): Buffer {
  const where = index === undefined ? 'argument' : `argument ${index}`;
  if (typeof arg === 'string' && LONE_SURROGATE.test(arg)) {
    throw new AppError('INVALID_INPUT', `${where} is not valid Unicode (lone surrogate)`);
  }
  const bytes = typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg;
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    throw new AppError('INVALID_INPUT', `${where} contains a NUL byte at offset ${nul}; a command line cannot carry NUL bytes`);
  }
  return bytes;
}

function quoteBytes(bytes: Buffer): Buffer {
  if (bytes.length > 0 && bytes.every((b) => SAFE_BYTE[b] === 1) && !RESERVED.has(bytes.toString('latin1'))) return bytes;
  const parts: Buffer[] = [Buffer.from("'")];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === QUOTE) {
      parts.push(bytes.subarray(start, i), ESCAPED_QUOTE);
      start = i + 1;
    }
  }
  parts.push(bytes.subarray(start), Buffer.from("'"));
  return Buffer.concat(parts);
}

/** Quotes one argument so that the shell reads it back as exactly this string. Throws INVALID_INPUT on NUL. */
export function quoteArg(arg: string): string {
  return quoteBytes(toBytes(arg, undefined)).toString('utf8');
}

/** One command string from an argument vector: `argv[0]` is the program. Throws INVALID_INPUT on NUL or an empty argv. */
export function buildCommand(argv: readonly string[]): string {
  return buildCommandBytes(argv).toString('utf8');
}

/**
 * As buildCommand, for arguments that are arbitrary bytes (file names need not be UTF-8).
 * ssh2's exec() accepts the resulting Buffer as the command.
 */
export function buildCommandBytes(argv: readonly (string | Buffer)[]): Buffer {
  if (argv.length === 0) throw new AppError('INVALID_INPUT', 'empty command');
  const words = argv.map((a, i) => quoteBytes(toBytes(a, i)));
  const out: Buffer[] = [];
  words.forEach((w, i) => {
    if (i > 0) out.push(Buffer.from(' '));
    out.push(w);
  });
  return Buffer.concat(out);
}
