import { CheckCircleFilled, ClockCircleOutlined, CloseCircleFilled, LoadingOutlined, MinusCircleFilled, PlayCircleOutlined, PlusOutlined, StopOutlined } from '@ant-design/icons';
import type { HostRunResult } from '@contract/terminal';
import { Button, Card, Checkbox, Col, Empty, Flex, Input, InputNumber, Popconfirm, Row, Segmented, Space, Switch, Tag, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNow } from '../../components/use-now';
import { useTerminal, useTerminalStore } from './terminal-hooks';
import { hopLabel, routeLabel } from '@contract/ssh';
import { selectProfiles, selectRecent, selectRun, selectRunDraft, selectTabs, type RunHost, type SshDestination } from './terminal-store';
import { parseHopSpec } from './hop-spec';
import { hasShellSyntax } from '@contract/shell-words';
import { draftArgv, type RunMode } from './terminal-run';

type Candidate = SshDestination & { readonly route: string };
interface Group {
  readonly id: 'tabs' | 'profiles' | 'recent' | 'added';
  readonly items: readonly Candidate[];
}

type Tone = 'pending' | 'ok' | 'error' | 'stopped';

function toneOf(r: HostRunResult | undefined, cancelled: boolean): Tone {
  if (!r || r.state === 'running') return cancelled ? 'stopped' : 'pending';
  if (r.state === 'failed') return 'error';
  return r.exitCode === 0 ? 'ok' : 'error';
}

/** Pick hosts, enter a command (split into argv, shown before it runs), run it, compare results side by side. */
export function RunOnHosts() {
  const { t } = useTranslation();
  const store = useTerminal();
  const tabs = useTerminalStore(selectTabs);
  const profiles = useTerminalStore(selectProfiles);
  const recent = useTerminalStore(selectRecent);
  const draft = useTerminalStore(selectRunDraft);
  const run = useTerminalStore(selectRun);
  const [addText, setAddText] = useState('');
  const [onlyProblems, setOnlyProblems] = useState(false);
  const setDraft = store.getState().setRunDraft;

  useEffect(() => {
    void store.getState().loadProfiles();
  }, [store]);

  const groups = useMemo<Group[]>(() => {
    const seen = new Set<string>();
    const take = (list: readonly SshDestination[]): Candidate[] =>
      list.flatMap((d) => {
        const route = routeLabel(d.target, d.jumps);
        if (seen.has(route)) return [];
        seen.add(route);
        return [{ ...d, route }];
      });
    const fromTabs: SshDestination[] = tabs.flatMap((tab) =>
      tab.target.kind === 'ssh' ? [{ key: `tab:${tab.key}`, name: tab.label, source: 'tab' as const, target: tab.target.target, jumps: tab.target.jumps }] : [],
    );
    const all: Group[] = [
      { id: 'tabs', items: take(fromTabs) },
      { id: 'profiles', items: take(profiles) },
      { id: 'recent', items: take(recent) },
      { id: 'added', items: take(draft.added) },
    ];
    return all.filter((g) => g.items.length > 0);
  }, [tabs, profiles, recent, draft.added]);

  const byRoute = useMemo(() => new Map(groups.flatMap((g) => g.items.map((c) => [c.route, c] as const))), [groups]);
  const selected = draft.selected.filter((r) => byRoute.has(r));
  const mode: RunMode = draft.mode ?? 'argv';
  const parsed = draftArgv(draft.commandLine, mode);
  const argv = parsed.ok ? parsed.argv : [];
  const canRun = selected.length > 0 && argv.length > 0 && !run?.running;

  const toggle = (route: string, on: boolean) => setDraft({ selected: on ? [...selected, route] : selected.filter((r) => r !== route) });

  const addHost = () => {
    const hop = parseHopSpec(addText);
    if (!hop) return;
    const d: SshDestination = { key: `added:${hopLabel(hop)}`, name: hopLabel(hop), source: 'recent', target: hop, jumps: [] };
    const route = routeLabel(d.target, d.jumps);
    setDraft({ added: [...draft.added.filter((a) => a.key !== d.key), d], selected: selected.includes(route) ? selected : [...selected, route] });
    setAddText('');
  };

  const start = () => {
    const hosts = selected.map((r) => byRoute.get(r)!).map((c) => ({ target: c.target, jumps: c.jumps }));
    store.getState().runOnHosts(argv, hosts, draft.timeoutSec);
  };

  const addValid = addText.trim() === '' || parseHopSpec(addText) !== null;

  return (
    <div className="drover-run" data-testid="run-on-hosts">
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={9} xxl={7}>
          <Card
            size="small"
            title={t('terminal.run.hosts')}
            extra={
              <Space size={4}>
                <Typography.Text type="secondary" data-testid="run-selected-count">
                  {t('terminal.run.selected', { count: selected.length })}
                </Typography.Text>
                <Button size="small" type="link" onClick={() => setDraft({ selected: [...byRoute.keys()] })} disabled={byRoute.size === 0}>
                  {t('terminal.run.all')}
                </Button>
                <Button size="small" type="link" onClick={() => setDraft({ selected: [] })} disabled={selected.length === 0}>
                  {t('terminal.run.none')}
                </Button>
              </Space>
            }
            className="drover-run-hosts"
          >
            <Space.Compact style={{ width: '100%', marginBottom: 12 }}>
              <Input
                value={addText}
                onChange={(e) => setAddText(e.target.value)}
                onPressEnter={addHost}
                status={addValid ? undefined : 'error'}
                placeholder={t('terminal.run.addPlaceholder')}
                className="drover-mono"
                data-testid="run-add-host"
              />
              <Button icon={<PlusOutlined aria-hidden />} onClick={addHost} disabled={!addText.trim() || !addValid} data-testid="run-add-host-button">
                {t('terminal.run.add')}
              </Button>
            </Space.Compact>
            {groups.length === 0 && <Typography.Text type="secondary">{t('terminal.run.noHosts')}</Typography.Text>}
            {groups.map((g) => (
              <div key={g.id} className="drover-run-group">
                <Typography.Text type="secondary" className="drover-run-group-title">
                  {t(g.id === 'tabs' ? 'terminal.run.fromTabs' : g.id === 'profiles' ? 'terminal.run.fromProfiles' : g.id === 'recent' ? 'terminal.run.fromRecent' : 'terminal.run.fromAdded')}
                </Typography.Text>
                {g.items.map((c) => (
                  <div key={c.route} className="drover-run-host-row">
                    <Checkbox checked={selected.includes(c.route)} onChange={(e) => toggle(c.route, e.target.checked)} data-testid="run-host-option" data-route={c.route}>
                      <span className="drover-mono">{hopLabel(c.target)}</span>
                      {c.source === 'profile' && <span className="drover-run-host-name"> {c.name}</span>}
                      {c.jumps.length > 0 && <span className="drover-run-host-name"> via {c.jumps.map((j) => j.host).join(' > ')}</span>}
                    </Checkbox>
                  </div>
                ))}
              </div>
            ))}
          </Card>
        </Col>
        <Col xs={24} lg={15} xxl={17}>
          <Card
            size="small"
            title={t('terminal.run.command')}
            className="drover-run-command"
            extra={
              <Segmented<RunMode>
                size="small"
                aria-label={t('terminal.run.mode')}
                value={mode}
                onChange={(v) => setDraft({ mode: v })}
                options={[
                  { value: 'argv', label: <span data-testid="run-mode-argv">{t('terminal.run.modeArgv')}</span> },
                  { value: 'shell', label: <span data-testid="run-mode-shell">{t('terminal.run.modeShell')}</span> },
                ]}
              />
            }
          >
            <Input
              value={draft.commandLine}
              onChange={(e) => setDraft({ commandLine: e.target.value })}
              placeholder={t('terminal.run.commandPlaceholder')}
              status={parsed.ok ? undefined : 'error'}
              className="drover-mono"
              data-testid="run-command"
              onPressEnter={(e) => e.preventDefault()}
            />
            <div className="drover-run-argv" data-testid="run-argv">
              <Typography.Text type="secondary" className="drover-run-argv-label">
                {t('terminal.run.argv')}
              </Typography.Text>
              {parsed.ok ? (
                argv.map((a, i) => (
                  <code key={i} className="drover-run-arg" data-testid="run-arg">
                    {a === '' ? '""' : a}
                  </code>
                ))
              ) : (
                <Typography.Text type="danger">{t(parsed.error === 'unterminated-double' ? 'terminal.run.unterminatedDouble' : 'terminal.run.unterminatedSingle')}</Typography.Text>
              )}
            </div>
            <Typography.Paragraph type="secondary" className="drover-run-hint" data-testid="run-mode-hint">
              {t(mode === 'shell' ? 'terminal.run.modeShellHint' : 'terminal.run.argvHint')}
            </Typography.Paragraph>
            {mode === 'argv' && parsed.ok && hasShellSyntax(parsed.tokens) && (
              <Typography.Paragraph type="warning" className="drover-run-hint" data-testid="run-shell-syntax">
                {t('terminal.run.shellSyntax')}
              </Typography.Paragraph>
            )}
            <Flex gap={12} align="center" wrap>
              <Space size={6}>
                <Typography.Text>{t('terminal.run.timeout')}</Typography.Text>
                <InputNumber
                  min={1}
                  max={3600}
                  value={draft.timeoutSec}
                  onChange={(v) => v !== null && setDraft({ timeoutSec: v })}
                  suffix={t('terminal.run.seconds')}
                  style={{ width: 110 }}
                  data-testid="run-timeout"
                />
              </Space>
              <div style={{ flex: 1 }} />
              {run?.running ? (
                <Button danger icon={<StopOutlined aria-hidden />} onClick={() => store.getState().cancelRun()} data-testid="run-stop">
                  {t('terminal.run.stop')}
                </Button>
              ) : (
                run && (
                  <Button onClick={() => store.getState().clearRun()} data-testid="run-clear">
                    {t('terminal.run.clear')}
                  </Button>
                )
              )}
              <Popconfirm
                title={t('terminal.run.confirm', { count: selected.length })}
                description={
                  <div className="drover-run-confirm">
                    <div>
                      {argv.map((a, i) => (
                        <code key={i} className="drover-run-arg">
                          {a}
                        </code>
                      ))}
                    </div>
                    <div className="drover-mono drover-run-confirm-hosts">
                      {selected.slice(0, 8).join('\n')}
                      {selected.length > 8 ? `\n… +${selected.length - 8}` : ''}
                    </div>
                  </div>
                }
                onConfirm={start}
                okButtonProps={{ 'data-testid': 'run-confirm' }}
                disabled={!canRun}
              >
                <Button type="primary" icon={<PlayCircleOutlined aria-hidden />} disabled={!canRun} data-testid="run-start">
                  {t('terminal.run.run', { count: selected.length })}
                </Button>
              </Popconfirm>
            </Flex>
          </Card>
        </Col>
      </Row>
      <RunResults onlyProblems={onlyProblems} setOnlyProblems={setOnlyProblems} />
    </div>
  );
}

function RunResults({ onlyProblems, setOnlyProblems }: { onlyProblems: boolean; setOnlyProblems: (v: boolean) => void }) {
  const { t } = useTranslation();
  const run = useTerminalStore(selectRun);
  const now = useNow(250, run?.running ?? false);
  if (!run) {
    return (
      <Card size="small" title={t('terminal.run.results')} className="drover-run-results-card">
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('terminal.run.noRun')} />
      </Card>
    );
  }
  const tones = run.hosts.map((h) => toneOf(run.results[h.host], run.cancelled));
  const count = (tone: Tone) => tones.filter((x) => x === tone).length;
  const elapsedMs = (run.endedAtMs ?? now) - run.startedAtMs;
  const shown = run.hosts.filter((_h, i) => !onlyProblems || tones[i] === 'error' || tones[i] === 'stopped');
  return (
    <Card
      size="small"
      className="drover-run-results-card"
      title={
        <Flex gap={10} align="center" wrap>
          <span>{t('terminal.run.results')}</span>
          <span className="drover-run-argv-inline">
            {run.argv.map((a, i) => (
              <code key={i} className="drover-run-arg">
                {a}
              </code>
            ))}
          </span>
        </Flex>
      }
      extra={
        <Space size={12}>
          <Typography.Text data-testid="run-summary">
            {t('terminal.run.summary', { done: count('ok'), failed: count('error'), running: count('pending') })}
            {' · '}
            {t('terminal.run.elapsed', { seconds: (Math.max(0, elapsedMs) / 1000).toFixed(1) })}
          </Typography.Text>
          <Space size={6}>
            <Switch size="small" checked={onlyProblems} onChange={setOnlyProblems} />
            <Typography.Text>{t('terminal.run.onlyProblems')}</Typography.Text>
          </Space>
        </Space>
      }
    >
      <div className="drover-run-results" data-testid="run-results">
        {shown.map((h) => (
          <RunHostResult key={h.host} host={h} result={run.results[h.host]} cancelled={run.cancelled} />
        ))}
      </div>
    </Card>
  );
}

function RunHostResult({ host, result, cancelled }: { host: RunHost; result: HostRunResult | undefined; cancelled: boolean }) {
  const { t } = useTranslation();
  const tone = toneOf(result, cancelled);
  const icon =
    tone === 'pending' ? <LoadingOutlined /> : tone === 'ok' ? <CheckCircleFilled /> : tone === 'stopped' ? <MinusCircleFilled /> : <CloseCircleFilled />;
  const stateText =
    tone === 'pending'
      ? t('terminal.run.state.running')
      : tone === 'stopped'
        ? t('terminal.run.state.stopped')
        : result?.state === 'failed'
          ? t('terminal.run.state.failed')
          : result?.exitCode === 0
            ? t('terminal.run.state.ok')
            : t('terminal.run.state.nonzero', { code: result?.exitCode ?? '?' });
  const color = tone === 'ok' ? 'success' : tone === 'error' ? 'error' : tone === 'pending' ? 'processing' : 'default';
  return (
    <div className={`drover-run-host is-${tone}`} data-testid="run-result" data-host={host.host} data-state={result?.state ?? 'running'} data-exit-code={result?.exitCode ?? ''}>
      <div className="drover-run-host-head">
        <Tag color={color} icon={icon} className="drover-run-state">
          {stateText}
        </Tag>
        <span className="drover-mono drover-run-host-label">{host.host}</span>
        {host.jumps.length > 0 && <Typography.Text type="secondary">via {host.jumps.map((j) => j.host).join(' > ')}</Typography.Text>}
        <div style={{ flex: 1 }} />
        {result?.durationMs !== undefined && (
          <Typography.Text type="secondary" className="drover-run-duration">
            <ClockCircleOutlined /> {t('terminal.run.elapsed', { seconds: (result.durationMs / 1000).toFixed(2) })}
          </Typography.Text>
        )}
      </div>
      {result?.error && <div className="drover-run-error drover-mono">{result.error}</div>}
      {/* A host that never ran the command has no output to compare. */}
      {!(result?.state === 'failed' && !result.stdout && !result.stderr) && (
        <div className="drover-run-streams">
          <div className="drover-run-stream">
            <div className="drover-run-stream-label">{t('terminal.run.stdout')}</div>
            <pre className="drover-run-out" data-testid="run-stdout">
              {result?.stdout ? result.stdout : <span className="drover-run-empty">{t('terminal.run.emptyOutput')}</span>}
            </pre>
          </div>
          <div className="drover-run-stream">
            <div className="drover-run-stream-label">{t('terminal.run.stderr')}</div>
            <pre className={`drover-run-out${result?.stderr ? ' is-stderr' : ''}`} data-testid="run-stderr">
              {result?.stderr ? result.stderr : <span className="drover-run-empty">{t('terminal.run.emptyOutput')}</span>}
            </pre>
          </div>
        </div>
      )}
    </div>
  );
}
