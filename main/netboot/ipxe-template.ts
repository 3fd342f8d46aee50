import { NETBOOT_TEMPLATE_VARIABLES, type NetbootTemplateVariable } from '../contract/netboot';

/**
 * iPXE script templates: `{{name}}` placeholders (NETBOOT_TEMPLATE_VARIABLES), compiled once at
 * config load and rendered by joining parts.
 *
 * iPXE has no quoting (src/core/exec.c, src/image/script.c): a line is one command, words are
 * split on whitespace, a word "||", "&&" or ";" chains another command, a word starting with "#"
 * starts a comment, "${...}" expands a setting, and a line ending in "\" continues on the next.
 * So a substituted value is percent-encoded outside a small safe set: it stays one word, can
 * expand nothing and cannot end the command. Only {{kernelArgs}} is inserted as words; it comes
 * from the config and checkKernelArgs refuses anything that could end the command.
 */

export type TemplateValues = Readonly<Record<NetbootTemplateVariable, string>>;

export interface IpxeTemplate {
  /** Literal text and variable names, alternating as they appear. */
  readonly parts: readonly TemplatePart[];
  readonly variables: ReadonlySet<NetbootTemplateVariable>;
}

export type TemplatePart = { readonly text: string } | { readonly variable: NetbootTemplateVariable };

export interface TemplateProblem {
  /** 1-based. */
  line: number;
  column: number;
  message: string;
}

const KNOWN = new Set<string>(NETBOOT_TEMPLATE_VARIABLES);

export function compileIpxeTemplate(source: string): { ok: true; template: IpxeTemplate } | { ok: false; problems: TemplateProblem[] } {
  const problems: TemplateProblem[] = [];
  const parts: TemplatePart[] = [];
  const variables = new Set<NetbootTemplateVariable>();
  if (!/^#!ipxe\s/.test(source)) {
    problems.push({ line: 1, column: 1, message: 'a script must start with "#!ipxe" and a newline (iPXE refuses anything else)' });
  }
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      parts.push({ text: source.slice(i) });
      break;
    }
    if (open > i) parts.push({ text: source.slice(i, open) });
    const close = source.indexOf('}}', open + 2);
    const newline = source.indexOf('\n', open);
    if (close < 0 || (newline >= 0 && newline < close)) {
      problems.push({ ...position(source, open), message: 'unterminated "{{" (write a variable as {{name}})' });
      break;
    }
    const name = source.slice(open + 2, close).trim();
    if (KNOWN.has(name)) {
      const variable = name as NetbootTemplateVariable;
      parts.push({ variable });
      variables.add(variable);
    } else {
      problems.push({
        ...position(source, open),
        message: `unknown variable {{${name.length > 40 ? `${name.slice(0, 39)}…` : name}}}; known: ${NETBOOT_TEMPLATE_VARIABLES.join(', ')}`,
      });
    }
    i = close + 2;
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, template: { parts: mergeText(parts), variables } };
}

function mergeText(parts: TemplatePart[]): TemplatePart[] {
  const out: TemplatePart[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if ('text' in p && last && 'text' in last) out[out.length - 1] = { text: last.text + p.text };
    else out.push(p);
  }
  return out;
}

function position(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

export function renderIpxeTemplate(template: IpxeTemplate, values: TemplateValues): string {
  let out = '';
  for (const p of template.parts) {
    if ('text' in p) out += p.text;
    else if (p.variable === 'kernelArgs') out += safeWords(values.kernelArgs);
    else out += escapeIpxeValue(values[p.variable]);
  }
  return out;
}

const SAFE_VALUE = /^[A-Za-z0-9._~:/?=@!*+,'()[\]-]*$/;
const SAFE_CHAR = /[A-Za-z0-9._~:/?=@!*+,'()[\]-]/;

/** One iPXE word that expands nothing: characters outside the safe set are percent-encoded (UTF-8). */
export function escapeIpxeValue(value: string): string {
  if (SAFE_VALUE.test(value)) return value;
  let out = '';
  for (const ch of value) {
    if (SAFE_CHAR.test(ch)) out += ch;
    else out += percentEncode(ch);
  }
  return out;
}

function percentEncode(ch: string): string {
  try {
    return encodeURIComponent(ch);
  } catch {
    return '%EF%BF%BD'; // a lone surrogate: U+FFFD
  }
}

/** Why these kernel arguments could break out of the iPXE command line, or undefined when they are fine. */
export function checkKernelArgs(args: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const c = args.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f) {
      return `character ${i + 1} is a control or non-ASCII character (${JSON.stringify(args[i])}); kernel arguments are one line of printable ASCII`;
    }
  }
  for (const word of args.split(' ')) {
    if (word === '||' || word === '&&' || word === ';') return `the word "${word}" would end the iPXE command and start another`;
    if (word.startsWith('#')) return `the word ${JSON.stringify(word)} starts with "#", which would make the rest of the line an iPXE comment`;
  }
  if (args.endsWith('\\')) return 'ends with a backslash, which would join the next script line to this one';
  return undefined;
}

let lastSafeArgs: string | undefined;

/** Kernel arguments as words, whatever they contain (render never throws; the config check explains). */
function safeWords(args: string): string {
  if (args === lastSafeArgs) return args; // the same subnet's arguments, checked already
  if (checkKernelArgs(args) === undefined) {
    lastSafeArgs = args;
    return args;
  }
  return args
    .split(/\s+/)
    .filter((w) => w !== '')
    .map(escapeIpxeValue)
    .join(' ');
}

/**
 * Text for `echo`: printable ASCII, one line, bounded. What iPXE would act on is defused: "${"
 * (a setting expansion) gets a space, a word starting with "#" (a comment) loses the "#", and
 * ";", "|", "&" and "\\" (command chaining, line continuation) are replaced.
 */
export function ipxeEchoText(text: string, maxLength = 240): string {
  let s = text
    .replace(/[^A-Za-z0-9 .,:/()[\]{}$#_=+@'"!?<>%*~^-]/g, (c) => (c === ';' ? ',' : /\s/.test(c) ? ' ' : '?'))
    .replace(/\$\{/g, '$ {')
    .replace(/(^|\s)#+/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  if (s.length > maxLength) s = `${s.slice(0, maxLength - 3)}...`;
  return s;
}

export interface FallbackScriptOptions {
  /** Why the machine cannot boot yet; printed on its console, one echo per line. */
  reason: readonly string[];
  retryDelaySec: number;
  /** Fetched again after the delay. Built by the responder (may hold iPXE settings such as ${net0/mac}). */
  retryUrl: string;
}

/**
 * The script for a client that cannot be served yet (unknown subnet, unknown MAC, bad request):
 * it prints the reason, waits, and chains the retry URL; if that fails it loops. `chain
 * --replace` keeps a long retry loop from nesting scripts; older iPXE builds without --replace
 * fall through to a plain chain.
 */
export function fallbackScript(options: FallbackScriptOptions): string {
  const delay = Math.max(1, Math.min(3600, Math.floor(options.retryDelaySec)));
  const lines = ['#!ipxe', ':retry'];
  for (const r of options.reason) lines.push(`echo Drover netboot: ${ipxeEchoText(r)}`);
  lines.push(`echo Retrying in ${delay} seconds`, `sleep ${delay}`);
  lines.push(`chain --replace --autofree ${options.retryUrl} || chain --autofree ${options.retryUrl} || goto retry`, '');
  return lines.join('\n');
}
