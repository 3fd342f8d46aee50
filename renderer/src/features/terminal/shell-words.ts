/**
 * Splits a command line into an argument vector the way a POSIX shell splits words, without
 * expanding anything: blanks separate words; '…' is literal; "…" is literal except \" \\ \$ \`
 * and a backslash-newline; outside quotes a backslash takes the next character literally.
 * Operators (| ; && > …) are not recognised: they end up as plain arguments, which is what the
 * user sees in the preview before anything runs.
 */
export type ShellWordsResult = { readonly ok: true; readonly argv: string[] } | { readonly ok: false; readonly error: 'unterminatedSingle' | 'unterminatedDouble' | 'trailingBackslash' };

export function shellWords(line: string): ShellWordsResult {
  const argv: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const n = line.length;
  while (i < n) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) argv.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { ok: false, error: 'unterminatedSingle' };
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const d = line[i]!;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\' && i + 1 < n) {
          const e = line[i + 1]!;
          if (e === '"' || e === '\\' || e === '$' || e === '`') {
            word += e;
            i += 2;
            continue;
          }
          if (e === '\n') {
            i += 2;
            continue;
          }
        }
        word += d;
        i++;
      }
      if (!closed) return { ok: false, error: 'unterminatedDouble' };
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= n) return { ok: false, error: 'trailingBackslash' };
      const e = line[i + 1]!;
      if (e !== '\n') {
        word += e;
        inWord = true;
      }
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) argv.push(word);
  return { ok: true, argv };
}

const OPERATORS = new Set(['|', '||', '&&', ';', '&', '>', '>>', '<', '<<', '2>', '2>>', '2>&1', '&>']);

/**
 * Whether an argument looks like something a shell would have interpreted (a pipe, a redirection,
 * a variable, a glob, a command substitution). The arguments are quoted for the remote shell, so
 * these are passed literally; the preview says so.
 */
export function hasShellSyntax(argv: readonly string[]): boolean {
  return argv.some((a) => OPERATORS.has(a) || /^[<>]|^2>|\$\(|`|\$[A-Za-z_{]|[*?]/.test(a));
}
