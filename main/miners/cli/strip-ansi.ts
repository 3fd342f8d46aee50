/**
 * Removes terminal control sequences from command output captured through a PTY (`ssh -t`):
 * CSI (ESC [ … final, e.g. fatih/color's ESC[32m … ESC[0m), OSC (ESC ] … BEL/ST), other
 * ESC sequences (ESC 7, ESC ( B…), carriage returns before newlines and stray C0 controls other than tab and newline.
 */
// eslint-disable-next-line no-control-regex
const CSI = /\x1b\[[0-?]*[ -/]*[@-~]/g;
// eslint-disable-next-line no-control-regex
const OSC = /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?/g;
// eslint-disable-next-line no-control-regex
const ESC2 = /\x1b[ -/]*[0-~]/g;
const C1_CSI = /\u009b[0-?]*[ -/]*[@-~]/g;
// eslint-disable-next-line no-control-regex
const LONE_ESC = /\x1b/g;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]/g;

export function stripAnsi(text: string): string {
  return text
    .replace(OSC, '')
    .replace(CSI, '')
    .replace(C1_CSI, '')
    .replace(ESC2, '')
    .replace(LONE_ESC, '')
    .replace(/\r+\n/g, '\n')
    .replace(/\r/g, '\n')
    .replace(CONTROLS, '');
}

/** ANSI-stripped lines (a trailing newline does not make an empty last line). */
export function textLines(text: string): string[] {
  const lines = stripAnsi(text).split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
