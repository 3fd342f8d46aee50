import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { systemClock, type Clock } from '../contract/clock';
import type { NetbootConfigProblem, NetbootConfigReport } from '../contract/netboot';
import { formatConfigProblem, validateNetbootConfig, type ResolvedNetbootConfig } from './config-validation';
import { jsonErrorOffset } from './json-locate';

/**
 * The netboot config file (JSON). load()/reload() read and validate it; an invalid file never
 * replaces a good config: the last good one stays current and the report says why the new one
 * was refused, problem by problem.
 */

export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

export interface NetbootConfigFileOptions {
  readFile?: (file: string) => Promise<string>;
  /** Check that bootFiles.dir exists and is a directory. Default true. */
  checkBootDir?: boolean;
  clock?: Clock;
}

/**
 * "… at position 12" → "line 2, column 3" (JSON.parse names only the offset). V8's "Unexpected
 * token ',', ..."excerpt" is not valid JSON" names none: the position is found by scanning, and
 * the excerpt (which may span lines) is dropped.
 */
export function describeJsonError(text: string, message: string): string {
  const m = /at position (\d+)/.exec(message);
  let pos: number | undefined;
  let what = message.replace(/ in JSON at position \d+.*$/s, '');
  if (m) pos = Number(m[1]);
  else {
    const token = /^(Unexpected token '[^']*'|Unexpected non-whitespace character after JSON)/.exec(message);
    if (!token) return message;
    pos = jsonErrorOffset(text);
    if (pos === undefined) return message;
    what = token[1]!;
  }
  let line = 1;
  let col = 1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return `${what} at line ${line}, column ${col}`;
}

export class NetbootConfigFile {
  readonly path: string;
  private readonly read: (file: string) => Promise<string>;
  private readonly checkBootDir: boolean;
  private readonly clock: Clock;
  private good: { config: ResolvedNetbootConfig; atMs: number } | undefined;
  private last: NetbootConfigReport | undefined;

  constructor(file: string, options: NetbootConfigFileOptions = {}) {
    this.path = path.resolve(file);
    this.read = options.readFile ?? ((f) => readFile(f, 'utf8'));
    this.checkBootDir = options.checkBootDir ?? true;
    this.clock = options.clock ?? systemClock;
  }

  /** The last config that loaded without a problem. */
  get current(): ResolvedNetbootConfig | undefined {
    return this.good?.config;
  }

  /** The outcome of the last load or reload. */
  get report(): NetbootConfigReport | undefined {
    return this.last;
  }

  load(): Promise<NetbootConfigReport> {
    return this.reload();
  }

  async reload(): Promise<NetbootConfigReport> {
    const atMs = this.clock.now();
    const result = await this.parse();
    let report: NetbootConfigReport;
    if ('config' in result) {
      this.good = { config: result.config, atMs };
      const v6 = result.config.subnets.filter((s) => s.cidr.family === 6).length;
      const n = result.config.subnets.length;
      report = {
        ok: true,
        atMs,
        path: this.path,
        message: `loaded ${this.path}: ${n} subnet${n === 1 ? '' : 's'} (${n - v6} IPv4, ${v6} IPv6)`,
        problems: [],
        keptPrevious: false,
      };
    } else {
      const count = `${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`;
      const first = formatConfigProblem(result.problems[0]!);
      const message = this.good
        ? `${this.path} was not applied (${count}; first: ${first}); still serving the config loaded at ${new Date(this.good.atMs).toISOString()}`
        : `${this.path} is not a valid netboot config (${count}; first: ${first})`;
      report = { ok: false, atMs, path: this.path, message, problems: result.problems, keptPrevious: this.good !== undefined };
    }
    this.last = report;
    return report;
  }

  private async parse(): Promise<{ config: ResolvedNetbootConfig } | { problems: NetbootConfigProblem[] }> {
    let text: string;
    try {
      text = await this.read(this.path);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return { problems: [{ path: '', message: `cannot read ${this.path} (${typeof code === 'string' ? code : String(err)})` }] };
    }
    return parseNetbootConfigText(text, { path: this.path, checkBootDir: this.checkBootDir });
  }
}

export interface ParseConfigTextOptions {
  /** The file the text is (or will be) in: named in messages; a relative bootFiles.dir is resolved against its folder. */
  path: string;
  /** Check that bootFiles.dir exists and is a directory. Default true. */
  checkBootDir?: boolean;
}

/**
 * Config text to a validated config, or every problem (JSON syntax with line and column, then
 * schema and semantic problems by path). Never throws for bad input. What load() and the UI's
 * validate-as-you-type both use.
 */
export async function parseNetbootConfigText(text: string, options: ParseConfigTextOptions): Promise<{ config: ResolvedNetbootConfig } | { problems: NetbootConfigProblem[] }> {
  const file = path.resolve(options.path);
  if (text.length > MAX_CONFIG_BYTES) return { problems: [{ path: '', message: `${file} is larger than ${MAX_CONFIG_BYTES} bytes` }] };
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    return { problems: [{ path: '', message: `${file} is not JSON: ${describeJsonError(text, (err as Error).message)}` }] };
  }
  const result = validateNetbootConfig(json, { baseDir: path.dirname(file) });
  if (!result.ok) return { problems: result.problems };
  const dir = result.config.bootDir;
  if ((options.checkBootDir ?? true) && dir !== undefined) {
    const st = await stat(dir).catch((err: unknown) => err as NodeJS.ErrnoException);
    if (st instanceof Error) return { problems: [{ path: 'bootFiles.dir', message: `${dir} cannot be used (${st.code ?? st.message})` }] };
    if (!st.isDirectory()) return { problems: [{ path: 'bootFiles.dir', message: `${dir} is not a directory` }] };
  }
  return { config: result.config };
}
