import { describe, expect, it } from 'vitest';
import type { TemplateValues } from '../../main/netboot/ipxe-template';
import { checkKernelArgs, compileIpxeTemplate, escapeIpxeValue, fallbackScript, ipxeEchoText, renderIpxeTemplate } from '../../main/netboot/ipxe-template';

/**
 * The commands iPXE would run, read the way src/image/script.c and src/core/exec.c read a
 * script: lines (a trailing "\" continues), an optional ":label", words split on whitespace, a
 * word starting with "#" ends the line, "||" "&&" ";" start a new command. Returns each command's
 * words and every ${...} that would be expanded.
 */
function ipxeCommands(script: string): { commands: string[][]; expansions: string[] } {
  const commands: string[][] = [];
  const expansions: string[] = [];
  const lines: string[] = [];
  let pending = '';
  for (let raw of script.split('\n')) {
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (raw.endsWith('\\')) {
      pending += raw.slice(0, -1);
      continue;
    }
    lines.push(pending + raw);
    pending = '';
  }
  if (pending) lines.push(pending);
  for (let line of lines) {
    line = line.trimStart();
    if (line.startsWith(':')) line = line.replace(/^:\S*\s*/, '');
    let current: string[] = [];
    for (const word of line.split(/\s+/).filter((w) => w !== '')) {
      if (word.startsWith('#')) break;
      if (word === '||' || word === '&&' || word === ';') {
        commands.push(current);
        current = [];
        continue;
      }
      for (const m of word.matchAll(/\$\{([^}]*)\}/g)) expansions.push(m[1]!);
      current.push(word);
    }
    if (current.length > 0) commands.push(current);
  }
  return { commands, expansions };
}

const values: TemplateValues = {
  serverUrl: 'http://10.40.23.250',
  bootUrl: 'http://10.40.23.250/boot',
  mac: '52:54:00:a1:9c:ae',
  macHyphen: '52-54-00-a1-9c-ae',
  ip: '10.40.24.7',
  subnet: '10.40.24.0/22',
  subnetName: 'urumqi-rigs-a',
  uuid: '8f3c1e2a-5b7d-4c1e-9a2f-3d4b5c6e7f80',
  kernelArgs: 'console=ttyS0,115200n8 ip=dhcp BOOTIF=01-${net0/mac:hexhyp}',
};

const TEMPLATE = [
  '#!ipxe',
  'echo {{subnetName}} {{ip}} {{mac}}',
  'kernel {{bootUrl}}/vmlinuz?mac={{mac}}&uuid={{uuid}} initrd=initrd {{kernelArgs}} shepherd={{serverUrl}} net={{subnet}}',
  'initrd --name initrd {{ bootUrl }}/initrd-zrt',
  'boot',
  '',
].join('\n');

function compile(text: string) {
  const r = compileIpxeTemplate(text);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.template;
}

describe('iPXE templates', () => {
  it('renders every variable', () => {
    const out = renderIpxeTemplate(compile(TEMPLATE), values);
    expect(out).toBe(
      [
        '#!ipxe',
        'echo urumqi-rigs-a 10.40.24.7 52:54:00:a1:9c:ae',
        'kernel http://10.40.23.250/boot/vmlinuz?mac=52:54:00:a1:9c:ae&uuid=8f3c1e2a-5b7d-4c1e-9a2f-3d4b5c6e7f80 initrd=initrd console=ttyS0,115200n8 ip=dhcp BOOTIF=01-${net0/mac:hexhyp} shepherd=http://10.40.23.250 net=10.40.24.0/22',
        'initrd --name initrd http://10.40.23.250/boot/initrd-zrt',
        'boot',
        '',
      ].join('\n'),
    );
    const { commands } = ipxeCommands(out);
    expect(commands.map((c) => c[0])).toEqual(['echo', 'kernel', 'initrd', 'boot']);
  });

  it('refuses unknown variables, unterminated braces and a missing #!ipxe, with positions', () => {
    const r = compileIpxeTemplate('#!ipxe\nkernel {{bootUrl}}/x {{macc}}\nchain {{serverUrl\nboot');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      { line: 2, column: 22, message: expect.stringMatching(/^unknown variable \{\{macc\}\}; known: serverUrl, bootUrl, mac/) },
      { line: 3, column: 7, message: expect.stringMatching(/unterminated "\{\{"/) },
    ]);
    const noMagic = compileIpxeTemplate('kernel x\nboot\n');
    expect(noMagic.ok === false && noMagic.problems[0]!.message).toMatch(/must start with "#!ipxe"/);
    expect(compileIpxeTemplate('#!ipxe').ok).toBe(false); // magic needs a whitespace after it
  });

  it('keeps iPXE settings in the template literal (${...} is not a template variable)', () => {
    const out = renderIpxeTemplate(compile('#!ipxe\nchain {{serverUrl}}/api/v1/pxe?mac=${net0/mac:hexhyp}&uuid=${uuid}\n'), values);
    expect(ipxeCommands(out).expansions).toEqual(['net0/mac:hexhyp', 'uuid']);
  });

  it('escapes values so that none can add a command, a comment, a continuation or an expansion', () => {
    const attacks = [
      'x\nshell',
      'x\r\nshell',
      'x || shell',
      'x && shell',
      'x ; shell',
      '#comment',
      'x \\',
      '${password}',
      '$\u007b0}',
      'a b\tc',
      'ünïcødé \ud800',
      '%41',
    ];
    const template = compile('#!ipxe\nkernel {{bootUrl}}/vmlinuz?mac={{mac}} x={{subnetName}} {{ip}}\nboot\n');
    for (const attack of attacks) {
      const out = renderIpxeTemplate(template, { ...values, mac: attack, subnetName: attack, ip: attack, bootUrl: attack });
      const { commands, expansions } = ipxeCommands(out);
      expect(commands.map((c) => c[0]), JSON.stringify(attack)).toEqual(['kernel', 'boot']);
      expect(commands[0]!.length, JSON.stringify(attack)).toBe(4);
      expect(expansions, JSON.stringify(attack)).toEqual([]);
    }
    expect(escapeIpxeValue('fd00:40:24::7')).toBe('fd00:40:24::7');
    expect(escapeIpxeValue('10.40.24.0/22')).toBe('10.40.24.0/22');
    expect(escapeIpxeValue('a b#c$d{e}|&;\\%')).toBe('a%20b%23c%24d%7Be%7D%7C%26%3B%5C%25');
    expect(decodeURIComponent(escapeIpxeValue('ünïcødé'))).toBe('ünïcødé');
  });

  it('checks kernel arguments at load, and still renders bad ones harmlessly', () => {
    expect(checkKernelArgs('console=ttyS0,115200n8 ip=dhcp BOOTIF=${net0/mac}')).toBeUndefined();
    expect(checkKernelArgs('quiet || shell')).toMatch(/"\|\|" would end the iPXE command/);
    expect(checkKernelArgs('quiet ; shell')).toMatch(/";"/);
    expect(checkKernelArgs('quiet #x')).toMatch(/comment/);
    expect(checkKernelArgs('quiet\nshell')).toMatch(/control or non-ASCII/);
    expect(checkKernelArgs('quiet \\')).toMatch(/backslash/);
    const out = renderIpxeTemplate(compile('#!ipxe\nkernel /k {{kernelArgs}}\nboot\n'), { ...values, kernelArgs: 'quiet\nshell || reboot #x' });
    expect(ipxeCommands(out).commands.map((c) => c[0])).toEqual(['kernel', 'boot']);
  });
});

describe('fallback script', () => {
  it('prints the reason, waits and chains the retry URL, looping on failure', () => {
    const script = fallbackScript({
      reason: ['no netboot entry for 10.9.0.7: no configured subnet contains it.', 'x; shell || reboot ${secret} #c'],
      retryDelaySec: 10,
      retryUrl: 'http://10.40.23.250/api/v1/pxe?mac=${net0/mac}',
    });
    expect(script.startsWith('#!ipxe\n')).toBe(true);
    const { commands, expansions } = ipxeCommands(script);
    expect(commands).toEqual([
      ['echo', 'Drover', 'netboot:', 'no', 'netboot', 'entry', 'for', '10.9.0.7:', 'no', 'configured', 'subnet', 'contains', 'it.'],
      ['echo', 'Drover', 'netboot:', 'x,', 'shell', '??', 'reboot', '$', '{secret}', 'c'],
      ['echo', 'Retrying', 'in', '10', 'seconds'],
      ['sleep', '10'],
      ['chain', '--replace', '--autofree', 'http://10.40.23.250/api/v1/pxe?mac=${net0/mac}'],
      ['chain', '--autofree', 'http://10.40.23.250/api/v1/pxe?mac=${net0/mac}'],
      ['goto', 'retry'],
    ]);
    expect(script).toContain('\n:retry\n');
    // Only the responder's own ${net0/mac} is expanded, never text from the reason.
    expect(expansions).toEqual(['net0/mac', 'net0/mac']);
  });

  it('bounds the echo text', () => {
    expect(ipxeEchoText('a'.repeat(1000)).length).toBe(240);
    expect(ipxeEchoText('line\nbreak\ttab')).toBe('line break tab');
  });
});
