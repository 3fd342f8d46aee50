import { batchMarker, BATCH_END_KEY } from '../virsh-argv';
import { asText, problem, type ParseProblem, type ParseResult } from './parse-result';

/**
 * Splits the stdout of a virsh batch (see batchArgv) into its sections by the marker lines that
 * `echo` printed before each command. A section whose marker is missing is absent from the map;
 * `complete` says whether the end marker was seen (false: virsh stopped early or was cut off).
 */
export interface BatchOutput {
  sections: Map<string, string>;
  complete: boolean;
}

export function splitBatchOutput(input: unknown, nonce: string, keys: readonly string[]): ParseResult<BatchOutput> {
  const raw = asText(input);
  const problems: ParseProblem[] = [];
  const byMarker = new Map<string, string>();
  for (const k of [...keys, BATCH_END_KEY]) byMarker.set(batchMarker(nonce, k), k);
  const sections = new Map<string, string>();
  let current: string | null = null;
  let buf: string[] = [];
  let complete = false;
  let before = '';
  const lines = raw.split('\n');
  lines.forEach((line, i) => {
    const l = line.endsWith('\r') ? line.slice(0, -1) : line;
    const key = byMarker.get(l);
    if (key !== undefined) {
      if (current !== null) sections.set(current, buf.join('\n'));
      if (key === BATCH_END_KEY) {
        complete = true;
        current = null;
      } else {
        if (sections.has(key)) problems.push(problem(i + 1, `section ${key} appears twice`));
        current = key;
      }
      buf = [];
      return;
    }
    if (current !== null) buf.push(l);
    else if (!complete && l.trim() !== '') before += `${l}\n`;
  });
  if (current !== null) sections.set(current, buf.join('\n'));
  if (before !== '') problems.push(problem(null, 'output before the first section marker', before));
  for (const k of keys) if (!sections.has(k)) problems.push(problem(null, `no output section for ${k}`));
  return { value: { sections, complete }, problems, raw };
}
