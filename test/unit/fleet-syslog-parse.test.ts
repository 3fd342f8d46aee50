import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SyslogMessageSchema, type SyslogMessage } from '../../main/contract/fleet';
import { parseSyslogFrame, type SyslogFrameMeta } from '../../main/fleet/syslog/parse-syslog';
import { RingBuffer } from '../../main/fleet/syslog/ring-buffer';
import { createSyslogBuffer, estimateSyslogBytes } from '../../main/fleet/syslog/syslog-receiver';
import { exportSyslog, formatSyslogText } from '../../main/fleet/syslog/syslog-export';
import { compileSyslogFilter, regexRisk } from '../../main/fleet/syslog/syslog-filter';
import { SyslogTcpFramer } from '../../main/fleet/syslog/syslog-tcp-framer';

const FIX = path.join(__dirname, '../fixtures/fleet/syslog');
const lines = (name: string) => readFileSync(path.join(FIX, name), 'utf8').split('\n').filter((l) => l !== '');

const RECEIVED = Date.UTC(2026, 2, 10, 9, 30, 0);
const meta: SyslogFrameMeta = { receivedAtMs: RECEIVED, sender: { address: '10.30.5.46', port: 514, transport: 'udp' } };
const parse = (text: string, m: Partial<SyslogFrameMeta> = {}) => SyslogMessageSchema.parse(parseSyslogFrame(text, { ...meta, ...m }, { rfc3164TimeZone: 'utc' }));

describe('BusyBox syslogd -R datagrams (no hostname)', () => {
  it('reads the five reference datagrams, each as sent with its trailing newline', () => {
    const got = lines('busybox-syslogd-R.datagrams.txt').map((l) => parse(`${l}\n`));
    expect(got.map((m) => [m.format, m.facility, m.severity, m.hostname, m.app, m.procid, m.timestamp])).toEqual([
      ['rfc3164', 3, 6, null, 'udhcpc', '812', 'Mar 10 09:29:58'],
      ['rfc3164', 0, 4, null, 'kernel', null, 'Mar 10 09:31:12'],
      ['rfc3164', 9, 6, null, 'crond', '1022', 'Mar 10 09:35:01'],
      ['rfc3164', 16, 6, null, 'gpuwatch', null, 'Mar 10 09:35:02'],
      ['rfc3164', 16, 3, null, 'lotus-worker', null, 'Mar 10 09:35:07'],
    ]);
    expect(got[0]!.message).toBe('lease of 10.30.5.46 obtained from 10.30.0.1, lease time 86400');
    expect(got[1]!.message).toBe('[ 1843.221104] NVRM: Xid (PCI:0000:07:00): 79, pid=2314, name=lotus-worker, GPU has fallen off the bus.');
    expect(got[4]!.message).toContain('\tERROR\tadvmgr\t');
    expect(got[0]!.timestampMs).toBe(Date.UTC(2026, 2, 10, 9, 29, 58));
    expect(got[0]!.raw).toBe(lines('busybox-syslogd-R.datagrams.txt')[0]);
    for (const m of got) expect(m.sender.address).toBe('10.30.5.46');
  });

  it('reads the exact 95 bytes of the documented datagram', () => {
    const hex =
      '3c33303e4d61722031302030393a32393a3538207564686370635b3831325d3a206c65617365206f662031302e33302e352e3436206f627461696e65642066726f6d2031302e33302e302e312c206c656173652074696d652038363430300a';
    const bytes = Buffer.from(hex, 'hex');
    expect(bytes.length).toBe(95);
    expect(parse(bytes.toString('utf8'))).toMatchObject({ app: 'udhcpc', procid: '812', hostname: null, severity: 6, facility: 3 });
  });

  it('reads the same line after a relay added the hostname, and the musl/glibc day padding', () => {
    expect(parse('<30>Mar 10 09:29:58 rig06 udhcpc[812]: lease of 10.30.5.46 obtained')).toMatchObject({ hostname: 'rig06', app: 'udhcpc', procid: '812', message: 'lease of 10.30.5.46 obtained' });
    expect(parse('<13>Mar  5 01:02:03 rig07 logger: x')).toMatchObject({ timestamp: 'Mar  5 01:02:03', timestampMs: Date.UTC(2026, 2, 5, 1, 2, 3), hostname: 'rig07', app: 'logger' });
    expect(parse('<13>Mar 10 09:29:58 rig06 some text without a tag')).toMatchObject({ hostname: 'rig06', app: null, message: 'some text without a tag' });
    expect(parse('<13>Mar 10 09:29:58 lonely')).toMatchObject({ hostname: null, app: null, message: 'lonely', format: 'rfc3164' });
    expect(parse('<13>Mar 10 09:29:58 rig06 kernel[0] no colon')).toMatchObject({ hostname: 'rig06', app: 'kernel', procid: '0', message: 'no colon' });
  });

  it('guesses the year of an RFC 3164 time from the receive time, across New Year', () => {
    const newYear = Date.UTC(2027, 0, 1, 0, 0, 10);
    expect(parse('<13>Dec 31 23:59:59 h t: m', { receivedAtMs: newYear }).timestampMs).toBe(Date.UTC(2026, 11, 31, 23, 59, 59));
    const eve = Date.UTC(2026, 11, 31, 23, 59, 50);
    expect(parse('<13>Jan  1 00:00:05 h t: m', { receivedAtMs: eve }).timestampMs).toBe(Date.UTC(2027, 0, 1, 0, 0, 5));
    // Feb 30 is no date: the line is kept raw.
    expect(parse('<13>Feb 30 10:00:00 h t: m')).toMatchObject({ format: 'raw', severity: 5 });
  });

  it('accepts an RFC 3339 time in the RFC 3164 position (rsyslog forward format)', () => {
    expect(parse('<30>2026-03-10T09:29:58.412+08:00 rig06 udhcpc[812]: lease')).toMatchObject({ format: 'rfc3164', timestampMs: Date.UTC(2026, 2, 10, 1, 29, 58, 412), hostname: 'rig06', app: 'udhcpc' });
  });
});

describe('RFC 5424', () => {
  it('reads the reference example and its rsyslog relay form', () => {
    expect(parse('<30>1 2026-03-10T09:29:58.412873Z rig06 udhcpc 812 - - lease of 10.30.5.46 obtained from 10.30.0.1, lease time 86400')).toMatchObject({
      format: 'rfc5424',
      timestamp: '2026-03-10T09:29:58.412873Z',
      timestampMs: Date.UTC(2026, 2, 10, 9, 29, 58, 412),
      hostname: 'rig06',
      app: 'udhcpc',
      procid: '812',
      msgid: null,
      structuredData: [],
      message: 'lease of 10.30.5.46 obtained from 10.30.0.1, lease time 86400',
    });
    expect(parse('<30>1 2026-03-10T09:29:58+00:00 rig06 udhcpc 812 - - x').timestampMs).toBe(Date.UTC(2026, 2, 10, 9, 29, 58));
  });

  it('reads what util-linux logger really sends (both RFCs, structured data with escapes, NILVALUE)', () => {
    const [bsdTag, bsdPid, sd, nil, tcpSd, tcpBsd] = lines('logger-util-linux-2.38.1.txt').map((l) => parse(l));
    expect(bsdTag).toMatchObject({ format: 'rfc3164', facility: 16, severity: 3, hostname: 'vm', app: 'rigwatch', procid: null, message: 'gpu=4 temp=83 action=alert' });
    expect(bsdPid).toMatchObject({ format: 'rfc3164', facility: 3, severity: 6, app: 'udhcpc', procid: '7182' });
    expect(sd).toMatchObject({ format: 'rfc5424', facility: 16, severity: 4, hostname: 'vm', app: 'lotus-worker', procid: null, msgid: 'SCHED', message: 'failed to check worker session' });
    expect(sd!.structuredData).toEqual([
      { id: 'timeQuality', params: [{ name: 'tzKnown', value: '1' }, { name: 'isSynced', value: '0' }] },
      { id: 'drover@32473', params: [{ name: 'gpu', value: '4' }, { name: 'note', value: 'a "quoted" ]value' }] },
    ]);
    // logger refuses the kern facility to user space: kern.crit goes out as user.crit (<10>).
    expect(nil).toMatchObject({ format: 'rfc5424', facility: 1, severity: 2, timestamp: null, timestampMs: null, hostname: null, app: 'kernel', msgid: null, structuredData: [], message: 'NVRM: Xid 79' });
    expect(tcpSd).toMatchObject({ msgid: 'MID', message: 'hello two' });
    expect(tcpBsd).toMatchObject({ app: 'tagx', procid: '1289', message: 'hello three' });
  });

  it('strips the BOM, keeps backslashes that escape nothing, accepts all-NIL and message-less frames', () => {
    expect(parse('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] \uFEFFAn application event log entry...')).toMatchObject({
      severity: 5,
      facility: 20,
      msgid: 'ID47',
      message: 'An application event log entry...',
      structuredData: [{ id: 'exampleSDID@32473', params: [{ name: 'iut', value: '3' }, { name: 'eventSource', value: 'Application' }, { name: 'eventID', value: '1011' }] }],
    });
    expect(parse('<13>1 - - - - - [a b="c:\\d\\\\e"]').structuredData).toEqual([{ id: 'a', params: [{ name: 'b', value: 'c:\\d\\e' }] }]);
    expect(parse('<13>1 - - - - - -')).toMatchObject({ format: 'rfc5424', message: '', hostname: null, app: null });
  });

  it('keeps malformed RFC 5424 frames raw, with their PRI', () => {
    for (const bad of ['<13>1 2026-13-99T99:00:00Z h a p m - x', '<13>1 yesterday h a p m - x', '<13>1 - h a p m [unclosed x="y"', '<13>1 - h a p m [id x=unquoted]', '<13>1 - h a', '<13>1 - h a p m -x']) {
      const m = parse(bad);
      expect(m.format, bad).toBe('raw');
      expect(m.severity, bad).toBe(5);
      expect(m.raw, bad).toBe(bad);
    }
  });
});

describe('garbage', () => {
  it('keeps anything else raw and never throws', () => {
    const cases = ['', 'hello world', '<999>too big', '<13>', '<13>hello', '<x>y', '<<13>>', '\u0000\u0001\u0002', '\uFFFD\uFFFD binary', 'x'.repeat(70_000), '<13>Mar 10 09:29:58', '<191>Xyz 99 99:99:99 h t: m', '>13< reversed'];
    for (const text of cases) {
      const m = parse(text);
      expect(['raw', 'rfc3164'], text.slice(0, 20)).toContain(m.format);
      expect(m.raw).toBe(text.replace(/[\n\r\0]+$/, ''));
    }
    expect(parse('hello world')).toMatchObject({ format: 'raw', facility: null, severity: null, message: 'hello world' });
    expect(parse('<13>hello')).toMatchObject({ format: 'raw', facility: 1, severity: 5, message: 'hello' });
    expect(parse('<999>too big')).toMatchObject({ format: 'raw', severity: null });
    expect(parse('line\r\n\u0000').raw).toBe('line');
    expect(parse('x', { truncated: true }).truncated).toBe(true);
  });
});

function msg(over: Partial<SyslogMessage>): SyslogMessage {
  return { ...parseSyslogFrame('<30>Mar 10 09:29:58 udhcpc[812]: lease', meta, { rfc3164TimeZone: 'utc' }), ...over };
}

describe('RingBuffer', () => {
  it('numbers items and drops the oldest beyond its item bound', () => {
    const rb = new RingBuffer<number>({ maxItems: 3, maxBytes: 1e9, sizeOf: () => 1 });
    expect([1, 2, 3, 4, 5].map((n) => rb.push(n * 10))).toEqual([1, 2, 3, 4, 5]);
    expect(rb.toArray()).toEqual([30, 40, 50]);
    expect([rb.size, rb.firstSeq, rb.nextSeq, rb.evicted]).toEqual([3, 3, 6, 2]);
    expect(rb.get(2)).toBeUndefined();
    expect(rb.get(4)).toBe(40);
    expect(rb.after(3)).toEqual([40, 50]);
    expect(rb.after(0, 1)).toEqual([30]);
    expect(rb.after(99)).toEqual([]);
  });

  it('stays under its byte bound', () => {
    const rb = new RingBuffer<string>({ maxItems: 1000, maxBytes: 100, sizeOf: (s) => s.length });
    for (let i = 0; i < 50; i++) rb.push('x'.repeat(10 + (i % 7)));
    expect(rb.bytes).toBeLessThanOrEqual(100);
    expect(rb.size).toBeGreaterThan(4);
    rb.push('y'.repeat(500)); // one oversized item is kept alone
    expect([rb.size, rb.bytes]).toEqual([1, 500]);
    rb.clear();
    expect([rb.size, rb.bytes, rb.nextSeq]).toEqual([0, 0, 52]);
  });

  it('bounds a syslog buffer by messages and by estimated bytes', () => {
    const m = parse('<30>1 2026-03-10T09:29:58Z rig06 udhcpc 812 - [a b="c"] lease of 10.30.5.46');
    expect(estimateSyslogBytes(m)).toBeGreaterThan(2 * m.raw.length);
    const byCount = createSyslogBuffer({ maxMessages: 10 });
    for (let i = 0; i < 25; i++) byCount.push(m);
    expect([byCount.size, byCount.evicted]).toEqual([10, 15]);
    const byBytes = createSyslogBuffer({ maxMessages: 1000, maxBytes: 10 * estimateSyslogBytes(m) });
    for (let i = 0; i < 25; i++) byBytes.push(m);
    expect(byBytes.size).toBe(10);
    expect(byBytes.bytes).toBeLessThanOrEqual(10 * estimateSyslogBytes(m));
  });

  it('gives the newest matching items, paging backwards', () => {
    const rb = new RingBuffer<number>({ maxItems: 100, maxBytes: 1e9, sizeOf: () => 1 });
    for (let i = 1; i <= 20; i++) rb.push(i);
    const even = (n: number) => n % 2 === 0;
    expect(rb.newest(3, even)).toEqual([16, 18, 20]);
    expect(rb.newest(3, even, 16)).toEqual([10, 12, 14]);
    expect(rb.newest(100, even, 3)).toEqual([2]);
  });
});

describe('filters', () => {
  const messages = [
    msg({ seq: 1, severity: 6, hostname: null, sender: { address: '10.30.5.46', port: 514, transport: 'udp' }, app: 'udhcpc', message: 'lease of 10.30.5.46' }),
    msg({ seq: 2, severity: 3, hostname: 'rig07', app: 'lotus-worker', message: 'ERROR failed to check worker session' }),
    msg({ seq: 3, severity: 4, hostname: null, app: 'kernel', message: 'NVRM: Xid 79, GPU has fallen off the bus' }),
    msg({ seq: 4, severity: null, facility: null, format: 'raw', app: null, message: 'garbage', raw: 'garbage' }),
  ];
  const seqs = (f: Parameters<typeof compileSyslogFilter>[0]) => messages.filter(compileSyslogFilter(f)).map((m) => m.seq);

  it('filters by host (hostname or sender), minimum severity and text', () => {
    expect(seqs({})).toEqual([1, 2, 3, 4]);
    expect(seqs({ host: 'RIG07' })).toEqual([2]);
    expect(seqs({ host: '10.30.5' })).toEqual([1, 2, 3, 4]);
    expect(seqs({ minSeverity: 4 })).toEqual([2, 3]);
    expect(seqs({ minSeverity: 7 })).toEqual([1, 2, 3]);
    expect(seqs({ text: 'xid' })).toEqual([3]);
    expect(seqs({ text: 'xid', caseSensitive: true })).toEqual([]);
    expect(seqs({ text: 'lotus' })).toEqual([2]); // the app name counts
    expect(seqs({ text: 'Xid \\d+', regex: true })).toEqual([3]);
    expect(seqs({ text: '^(ERROR|WARN)\\b', regex: true })).toEqual([2]);
  });

  it('refuses regular expressions that can backtrack catastrophically, and invalid ones', () => {
    for (const p of ['(a+)+$', '(a*)*b', '(a|aa)+', '(x+x+)+y', '(\\w+\\s?)*$', '(.*a){12}', '\\1', '(a)\\1', '(?=a)', '(?<!a)b', 'a*b*c*d', 'x'.repeat(300), 'a{100000}', 'a{1,5000}']) {
      expect(regexRisk(p), p).not.toBeNull();
      expect(() => compileSyslogFilter({ text: p, regex: true }), p).toThrow(/not allowed/);
    }
    for (const p of ['Xid \\d+', 'fallen off', '^(ERROR|WARN)\\b', '(ab)+', '(\\d+)?x', 'temp=(8\\d|9\\d)', '[()+*]+', 'a{2}b{1,3}', '\\(a+\\)+']) expect(regexRisk(p), p).toBeNull();
    expect(() => compileSyslogFilter({ text: '(', regex: true })).toThrow(/unbalanced|not a valid/);
    expect(() => compileSyslogFilter({ text: '[a', regex: true })).toThrow(/not a valid regular expression/);
  });

  it('runs an allowed pattern on a hostile line quickly', () => {
    const test = compileSyslogFilter({ text: '\\w+\\s+x$', regex: true });
    const hostile = msg({ message: `${'a'.repeat(60_000)}!` });
    const t0 = performance.now();
    expect(test(hostile)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('export', () => {
  it('writes text lines and JSON lines', () => {
    const m = parse('<30>Mar 10 09:29:58 udhcpc[812]: lease of 10.30.5.46\nsecond line');
    const raw = parse('garbage here');
    expect(formatSyslogText(m)).toBe('2026-03-10T09:30:00.000Z 10.30.5.46 daemon.info - udhcpc[812]: lease of 10.30.5.46\\nsecond line');
    expect(formatSyslogText(raw)).toBe('2026-03-10T09:30:00.000Z 10.30.5.46 raw garbage here');
    const text = exportSyslog([m, raw], 'text');
    expect(text.split('\n')).toHaveLength(3);
    const jsonl = exportSyslog([m, raw], 'jsonl');
    const back = jsonl.trimEnd().split('\n').map((l) => SyslogMessageSchema.parse(JSON.parse(l)));
    expect(back).toEqual([m, raw]);
    expect(exportSyslog([], 'text')).toBe('');
  });
});

describe('TCP framing (RFC 6587)', () => {
  function frames(chunks: Array<string | Buffer>, max = 64): Array<[string, boolean]> {
    const out: Array<[string, boolean]> = [];
    const f = new SyslogTcpFramer(max, (frame, truncated) => out.push([frame.toString('utf8'), truncated]));
    for (const c of chunks) f.push(typeof c === 'string' ? Buffer.from(c) : c);
    f.end();
    return out;
  }

  it('reads octet-counted and newline frames, mixed, split anywhere', () => {
    // An octet-counted frame may hold a newline; LF-framed lines may end in CRLF; blank lines are skipped.
    const stream = '11 <13>1 - - a11 <13>hello\nx<13>line one\r\n\n<13>line two\n5 <13>x';
    const expected: Array<[string, boolean]> = [
      ['<13>1 - - a', false],
      ['<13>hello\nx', false],
      ['<13>line one\r', false],
      ['<13>line two', false],
      ['<13>x', false],
    ];
    expect(frames([stream])).toEqual(expected);
    // Every split point, and byte by byte.
    for (let i = 1; i < stream.length; i++) expect(frames([stream.slice(0, i), stream.slice(i)]), `split at ${i}`).toEqual(expected);
    expect(frames([...stream])).toEqual(expected);
  });

  it('treats digits not followed by " <" as a line, and a final line without newline as a frame', () => {
    expect(frames(['123 not a count\n42\n'])).toEqual([
      ['123 not a count', false],
      ['42', false],
    ]);
    expect(frames(['<13>tail without newline'])).toEqual([['<13>tail without newline', false]]);
    expect(frames(['77'])).toEqual([['77', false]]);
  });

  it('cuts oversized frames in both framings and stays in step', () => {
    const big = `<13>${'x'.repeat(200)}`;
    expect(frames([`${big.length} ${big}`, '<13>next\n'], 64)).toEqual([
      [big.slice(0, 64), true],
      ['<13>next', false],
    ]);
    expect(frames([`${big}\n<13>after\n`], 64)).toEqual([
      [big.slice(0, 64), true],
      ['<13>after', false],
    ]);
    // An octet-counted frame cut short by the end of the stream.
    expect(frames(['50 <13>short'])).toEqual([['<13>short', true]]);
  });
});
