import { AppError } from './errors';

/**
 * Splits pasted shell text into words and operators the way a POSIX shell tokenizes it: blanks,
 * 'single quotes', "double quotes" (where \ escapes only $ ` " \ and newline), backslash escapes,
 * line continuations (backslash-newline), # comments, and the control / redirection operators.
 * Nothing is expanded: `$VAR`, `$(...)` and backquotes stay literal and are reported.
 */

export type ShellToken =
  | {
      kind: 'word';
      value: string;
      /** Unexpanded parameter / command substitutions seen in the word (e.g. `$HOME`). */
      expansions: string[];
    }
  /** `;` `&` `&&` `|` `||` `(` `)` a newline, or a redirection such as `>`, `2>`, `>>`, `>&`, `<`. */
  | { kind: 'op'; value: string };

const BLANK = new Set([' ', '\t', '\r']);
const CONTROL = new Set([';', '&', '|', '(', ')']);

export function isRedirection(op: string): boolean {
  return /^[0-9]*(?:>>?|<<?|>&|<&|>\||&>>?)$/.test(op);
}

export function splitShellWords(text: string): ShellToken[] {
  const tokens: ShellToken[] = [];
  let word: string | undefined;
  let quoted = false;
  let expansions: string[] = [];
  let i = 0;
  const n = text.length;

  const append = (s: string) => {
    word = (word ?? '') + s;
  };
  const endWord = () => {
    if (word !== undefined) tokens.push({ kind: 'word', value: word, expansions });
    word = undefined;
    quoted = false;
    expansions = [];
  };
  /** Records `$x`, `${...}`, `$(...)` or a backquote starting at j, if it is one. */
  const noteExpansion = (j: number) => {
    const m = /^(\$\{[^}]*\}?|\$\([^)]*\)?|\$[A-Za-z_][A-Za-z0-9_]*|\$[0-9@*#?$!-]|`[^`]*`?)/.exec(text.slice(j));
    if (m) expansions.push(m[1]!);
  };

  while (i < n) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === '\n') i += 2;
      else if (next === '\r' && text[i + 2] === '\n') i += 3;
      else if (next === undefined) i += 1;
      else {
        append(next);
        quoted = true;
        i += 2;
      }
      continue;
    }
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new AppError('INVALID_INPUT', `unterminated single quote at character ${i + 1}`, { details: { reason: 'unterminated-single', at: i } });
      append(text.slice(i + 1, end));
      quoted = true;
      i = end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= n) throw new AppError('INVALID_INPUT', `unterminated double quote at character ${i + 1}`, { details: { reason: 'unterminated-double', at: i } });
        const ch = text[j]!;
        if (ch === '"') break;
        if (ch === '\\' && j + 1 < n && '$`"\\\n'.includes(text[j + 1]!)) {
          if (text[j + 1] !== '\n') value += text[j + 1];
          j += 2;
          continue;
        }
        if (ch === '$' || ch === '`') noteExpansion(j);
        value += ch;
        j++;
      }
      append(value);
      quoted = true;
      i = j + 1;
      continue;
    }
    if (BLANK.has(c)) {
      endWord();
      i++;
      continue;
    }
    if (c === '\n') {
      endWord();
      tokens.push({ kind: 'op', value: '\n' });
      i++;
      continue;
    }
    if (c === '#' && word === undefined) {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '<' || c === '>') {
      let fd = '';
      if (word !== undefined && !quoted && /^[0-9]+$/.test(word)) {
        fd = word;
        word = undefined;
        expansions = [];
      } else endWord();
      let op = c;
      const next = text[i + 1];
      if (next === c || next === '&' || (c === '>' && next === '|')) op += next;
      tokens.push({ kind: 'op', value: fd + op });
      i += op.length;
      continue;
    }
    if (CONTROL.has(c)) {
      endWord();
      let op = c;
      const next = text[i + 1];
      if ((c === '&' || c === '|' || c === ';') && next === c) op += next;
      else if (c === '&' && next === '>') {
        op = text[i + 2] === '>' ? '&>>' : '&>';
      }
      tokens.push({ kind: 'op', value: op });
      i += op.length;
      continue;
    }
    if (c === '$' || c === '`') noteExpansion(i);
    append(c);
    i++;
  }
  endWord();
  return tokens;
}

export type ArgvResult =
  | { readonly ok: true; readonly argv: string[]; readonly tokens: ShellToken[] }
  | { readonly ok: false; readonly error: 'unterminated-single' | 'unterminated-double'; readonly at: number };

/**
 * A command line as an argument vector, nothing expanded. Operators (| ; && > …) are kept as
 * plain arguments: the caller shows them (see hasShellSyntax) and decides whether the line should
 * go to a remote shell instead.
 */
export function commandLineArgv(line: string): ArgvResult {
  try {
    const tokens = splitShellWords(line);
    const argv = tokens.filter((t) => !(t.kind === 'op' && t.value === '\n')).map((t) => t.value);
    return { ok: true, argv, tokens };
  } catch (err) {
    const details = err instanceof AppError ? err.details : undefined;
    const reason = details?.reason === 'unterminated-double' ? 'unterminated-double' : 'unterminated-single';
    return { ok: false, error: reason, at: typeof details?.at === 'number' ? details.at : 0 };
  }
}

/**
 * Whether the tokens hold something a shell would have interpreted: an operator, a redirection,
 * a variable or command substitution, or a glob outside quotes. Quoted for a remote command,
 * these are passed literally.
 */
export function hasShellSyntax(tokens: readonly ShellToken[]): boolean {
  return tokens.some((t) => t.kind === 'op' || t.expansions.length > 0 || /[*?]/.test(t.value));
}
