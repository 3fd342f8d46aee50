import { migrationUri, type DomainAction, type DomainActionRequestInput, type DomainRow } from '@contract/domains';
import { Alert, App, Checkbox, Form, Input, Modal, Radio, Select, Typography } from 'antd';
import type { TFunction } from 'i18next';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useTerminal } from '../terminal/terminal-hooks';
import { useDomainsStoreApi } from './domains-hooks';
import { hostOrder, isDestructive } from './domains-store';
import { domainsEn } from './i18n.en';

/** Actions that need values first (a file, a snapshot name, a destination). */
type DialogAction = 'save' | 'restore' | 'snapshot-create' | 'migrate';
const DIALOG_ACTIONS: readonly DomainAction[] = ['save', 'restore', 'snapshot-create', 'migrate'];

/** What a selection can be asked to do at once. */
export const BULK_ACTIONS = ['start', 'shutdown', 'reboot', 'suspend', 'resume', 'destroy', 'autostart-enable', 'autostart-disable', 'managedsave'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export interface DomainActionsApi {
  /** Runs an action on one domain: asks first when it is destructive, asks for values when it needs some. */
  run(key: string, action: DomainAction, opts?: { snapshot?: string }): void;
  runBulk(keys: readonly string[], action: BulkAction): void;
  /** `virsh console` in a terminal tab (the escape key is explained). */
  openConsole(key: string): void;
  /** A login shell on the host in a terminal tab. */
  openShell(hostId: string): void;
}

const Ctx = createContext<DomainActionsApi | null>(null);

export function useDomainActions(): DomainActionsApi {
  const api = useContext(Ctx);
  if (!api) throw new Error('useDomainActions outside DomainActionsProvider');
  return api;
}

type ActionKey = keyof (typeof domainsEn)['domains']['action'];
type BodyKey = keyof (typeof domainsEn)['domains']['confirm']['body'];
type DialogKey = 'save' | 'restore' | 'snapshotCreate' | 'migrate';

/** The i18n key of an action's label (virsh's names have dashes). */
const ACTION_KEY: Record<DomainAction, ActionKey> = {
  start: 'start',
  shutdown: 'shutdown',
  reboot: 'reboot',
  reset: 'reset',
  suspend: 'suspend',
  resume: 'resume',
  destroy: 'destroy',
  'autostart-enable': 'autostartEnable',
  'autostart-disable': 'autostartDisable',
  managedsave: 'managedsave',
  'managedsave-remove': 'managedsaveRemove',
  'snapshot-create': 'snapshotCreate',
  'snapshot-revert': 'snapshotRevert',
  'snapshot-delete': 'snapshotDelete',
  save: 'save',
  restore: 'restore',
  migrate: 'migrate',
};

export function actionKey(action: DomainAction): ActionKey {
  return ACTION_KEY[action];
}

/** The confirmation text of a destructive action. */
function bodyKey(action: DomainAction): BodyKey {
  const k = ACTION_KEY[action];
  return (k in domainsEn.domains.confirm.body ? k : 'destroy') as BodyKey;
}

function dialogKey(action: DialogAction): DialogKey {
  return ACTION_KEY[action] as DialogKey;
}

export function actionLabel(t: TFunction, action: DomainAction): string {
  return t(`domains.action.${actionKey(action)}`);
}

/** A file name for the host from a domain name (anything else becomes "_"). */
function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_').slice(0, 80) || 'domain';
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

interface DialogState {
  readonly action: DialogAction;
  readonly key: string;
}

/**
 * The one place domain actions start from (table rows, the details drawer, the bulk bar, keys):
 * destructive ones name the domain and its host and ask first, the ones that need values open a
 * dialog, and each outcome is shown (virsh's output, or its error as a toast).
 */
export function DomainActionsProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { modal, message, notification } = App.useApp();
  const store = useDomainsStoreApi();
  const terminal = useTerminal();
  const [dialog, setDialog] = useState<DialogState | null>(null);

  const execute = useCallback(
    async (key: string, request: DomainActionRequestInput) => {
      const row = store.getState().domains[key];
      const result = await store.getState().act(key, request);
      if (result?.ok) {
        const name = row?.name ?? key;
        void message.success({ content: result.output ? `${name}: ${result.output}` : t('domains.done', { action: actionLabel(t, request.action), name }), key: `domain-${key}`, duration: 6 });
      }
      return result;
    },
    [store, message, t],
  );

  const api = useMemo<DomainActionsApi>(() => {
    const names = (key: string): { row: DomainRow | undefined; name: string; host: string } => {
      const s = store.getState();
      const row = s.domains[key];
      const hostId = row?.hostId ?? key.split('/')[0] ?? '';
      return { row, name: row?.name ?? key, host: s.hosts[hostId]?.config.name ?? hostId };
    };
    return {
      run(key, action, opts = {}) {
        if (DIALOG_ACTIONS.includes(action)) {
          setDialog({ action: action as DialogAction, key });
          return;
        }
        let request: DomainActionRequestInput;
        if (action === 'snapshot-revert' || action === 'snapshot-delete') {
          if (!opts.snapshot) return;
          request = { action, name: opts.snapshot };
        } else request = { action } as DomainActionRequestInput;
        if (!isDestructive(action)) {
          void execute(key, request);
          return;
        }
        const { name, host } = names(key);
        const label = actionLabel(t, action);
        modal.confirm({
          title: t('domains.confirm.title', { action: label, name, host }),
          content: (
            <div data-testid="domain-confirm" data-action={action} data-domain={name} data-host={host}>
              <p>{t(`domains.confirm.body.${bodyKey(action)}`, { snapshot: opts.snapshot ?? '' })}</p>
              <p className="drover-domain-confirm-target">
                {t('domains.confirm.target')} <Typography.Text strong>{name}</Typography.Text> · {t('domains.confirm.onHost')} <Typography.Text strong>{host}</Typography.Text>
              </p>
            </div>
          ),
          okText: label,
          okButtonProps: { danger: true, ...({ 'data-testid': 'domain-confirm-ok' } as Record<string, string>) },
          cancelButtonProps: { ...({ 'data-testid': 'domain-confirm-cancel' } as Record<string, string>) },
          cancelText: t('domains.confirm.cancel'),
          onOk: () => execute(key, request),
        });
      },
      runBulk(keys, action) {
        if (keys.length === 0) return;
        const start = () => store.getState().runBulk(keys, { action });
        if (!isDestructive(action)) {
          start();
          return;
        }
        const list = keys.map(names);
        const hosts = [...new Set(list.map((x) => x.host))];
        const label = actionLabel(t, action);
        modal.confirm({
          title: t('domains.confirm.bulkTitle', { action: label, count: keys.length }),
          content: (
            <div data-testid="domain-confirm" data-action={action} data-count={keys.length}>
              <p>{t(`domains.confirm.body.${bodyKey(action)}`, { snapshot: '' })}</p>
              <ul className="drover-domain-confirm-list">
                {list.slice(0, 12).map((x, i) => (
                  <li key={i}>
                    <Typography.Text strong>{x.name}</Typography.Text> · {x.host}
                  </li>
                ))}
              </ul>
              {list.length > 12 && <p>{t('domains.confirm.more', { count: list.length - 12 })}</p>}
              <p>{t('domains.confirm.hosts', { hosts: hosts.join(', ') })}</p>
            </div>
          ),
          okText: label,
          okButtonProps: { danger: true, ...({ 'data-testid': 'domain-confirm-ok' } as Record<string, string>) },
          cancelButtonProps: { ...({ 'data-testid': 'domain-confirm-cancel' } as Record<string, string>) },
          cancelText: t('domains.confirm.cancel'),
          onOk: start,
        });
      },
      openConsole(key) {
        const { name, host } = names(key);
        void store
          .getState()
          .consoleTarget(key)
          .then((target) => {
            if (!target) return;
            terminal.getState().openTerminal(target);
            notification.info({
              key: `console-${key}`,
              title: t('domains.console.opened', { name, host }),
              description: t('domains.console.escape'),
              duration: 12,
            });
          });
      },
      openShell(hostId) {
        const target = store.getState().shellTarget(hostId);
        if (target) terminal.getState().openTerminal(target);
      },
    };
  }, [store, terminal, modal, notification, t, execute]);

  return (
    <Ctx.Provider value={api}>
      {children}
      <ActionDialog dialog={dialog} onClose={() => setDialog(null)} onRun={execute} />
    </Ctx.Provider>
  );
}

interface DialogValues {
  file?: string;
  after?: 'default' | 'running' | 'paused';
  name?: string;
  description?: string;
  destHost?: string;
  destUri?: string;
  persistent?: boolean;
  undefineSource?: boolean;
}

/** Save to a file, restore from one, create a snapshot, migrate: the values, then the action. */
function ActionDialog({ dialog, onClose, onRun }: { dialog: DialogState | null; onClose(): void; onRun(key: string, request: DomainActionRequestInput): Promise<unknown> }) {
  const { t } = useTranslation();
  const store = useDomainsStoreApi();
  const [form] = Form.useForm<DialogValues>();
  const [busy, setBusy] = useState(false);
  const s = store.getState();
  const row = dialog ? s.domains[dialog.key] : undefined;
  const hostId = row?.hostId ?? dialog?.key.split('/')[0] ?? '';
  const host = s.hosts[hostId];
  const hostName = host?.config.name ?? hostId;
  const name = row?.name ?? '';
  const otherHosts = hostOrder(s.hosts)
    .filter((id) => id !== hostId)
    .map((id) => s.hosts[id]!);

  const initial = (): DialogValues => {
    if (!dialog) return {};
    switch (dialog.action) {
      case 'save':
        return { file: `/var/lib/libvirt/qemu/save/${fileSafe(name)}.save`, after: 'default' };
      case 'restore':
        return { file: s.savedTo[dialog.key] ?? `/var/lib/libvirt/qemu/save/${fileSafe(name)}.save`, after: 'default' };
      case 'snapshot-create':
        return { name: `snap-${stamp(new Date())}`, description: '' };
      case 'migrate': {
        const first = otherHosts[0];
        return first ? { destHost: first.config.id, destUri: migrationUri(first.config), persistent: true, undefineSource: false } : { destUri: '', persistent: true, undefineSource: false };
      }
    }
  };

  const submit = async () => {
    if (!dialog) return;
    const v = await form.validateFields();
    const after = v.after === 'running' ? { running: true } : v.after === 'paused' ? { paused: true } : {};
    let request: DomainActionRequestInput;
    switch (dialog.action) {
      case 'save':
        request = { action: 'save', file: v.file!.trim(), ...after };
        break;
      case 'restore':
        request = { action: 'restore', file: v.file!.trim(), ...after };
        break;
      case 'snapshot-create':
        request = { action: 'snapshot-create', name: v.name!.trim(), ...(v.description?.trim() ? { description: v.description.trim() } : {}) };
        break;
      case 'migrate':
        request = { action: 'migrate', destUri: v.destUri!.trim(), live: true, ...(v.persistent ? { persistent: true } : {}), ...(v.undefineSource ? { undefineSource: true } : {}) };
        break;
    }
    setBusy(true);
    try {
      const r = (await onRun(dialog.key, request)) as { ok: boolean } | null;
      if (r?.ok) onClose();
    } finally {
      setBusy(false);
    }
  };

  const action = dialog?.action;
  const danger = action === 'restore' || action === 'migrate';
  const pathRule = { pattern: /^\/[^\n\r\0]*$/, message: t('domains.dialog.absolutePath') };
  return (
    <Modal
      open={dialog !== null}
      title={action ? t(`domains.dialog.${dialogKey(action)}.title`, { name, host: hostName }) : ''}
      onCancel={onClose}
      onOk={() => void submit()}
      okText={action ? actionLabel(t, action) : ''}
      cancelText={t('domains.confirm.cancel')}
      okButtonProps={{ danger, loading: busy, ...({ 'data-testid': 'domain-dialog-ok' } as Record<string, string>) }}
      destroyOnHidden
      width={620}
    >
      <div data-testid="domain-dialog" data-action={action} data-domain={name} data-host={hostName}>
        {action && <Typography.Paragraph type="secondary">{t(`domains.dialog.${dialogKey(action)}.intro`, { name, host: hostName })}</Typography.Paragraph>}
        <Form key={dialog ? `${dialog.action}:${dialog.key}` : 'none'} form={form} layout="vertical" requiredMark={false} preserve={false} initialValues={initial()}>
          {(action === 'save' || action === 'restore') && (
            <>
              <Form.Item name="file" label={t('domains.dialog.file')} extra={t('domains.dialog.fileHelp')} rules={[{ required: true, message: t('domains.dialog.required') }, pathRule]}>
                <Input data-testid="domain-dialog-file" spellCheck={false} />
              </Form.Item>
              <Form.Item name="after" label={action === 'save' ? t('domains.dialog.afterRestore') : t('domains.dialog.afterRestoreNow')}>
                <Radio.Group
                  options={[
                    { value: 'default', label: t('domains.dialog.asSaved') },
                    { value: 'running', label: t('domains.dialog.running') },
                    { value: 'paused', label: t('domains.dialog.paused') },
                  ]}
                />
              </Form.Item>
            </>
          )}
          {action === 'snapshot-create' && (
            <>
              <Form.Item
                name="name"
                label={t('domains.dialog.snapshotName')}
                rules={[
                  { required: true, message: t('domains.dialog.required') },
                  { pattern: /^[^\n\r/]+$/, message: t('domains.dialog.badSnapshotName') },
                ]}
              >
                <Input data-testid="domain-dialog-snapshot-name" spellCheck={false} maxLength={255} />
              </Form.Item>
              <Form.Item name="description" label={t('domains.dialog.description')}>
                <Input.TextArea rows={2} maxLength={4096} />
              </Form.Item>
            </>
          )}
          {action === 'migrate' && (
            <>
              {otherHosts.length === 0 && <Alert type="info" showIcon title={t('domains.dialog.migrate.noOtherHost')} style={{ marginBottom: 12 }} />}
              <Form.Item name="destHost" label={t('domains.dialog.migrate.destHost')}>
                <Select
                  data-testid="domain-dialog-dest-host"
                  options={otherHosts.map((h) => ({ value: h.config.id, label: h.config.name }))}
                  onChange={(id: string) => {
                    const h = store.getState().hosts[id];
                    if (h) form.setFieldValue('destUri', migrationUri(h.config));
                  }}
                />
              </Form.Item>
              <Form.Item
                name="destUri"
                label={t('domains.dialog.migrate.destUri')}
                extra={t('domains.dialog.migrate.destUriHelp')}
                rules={[
                  { required: true, message: t('domains.dialog.required') },
                  { pattern: /^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S*$/, message: t('domains.dialog.migrate.badUri') },
                ]}
              >
                <Input data-testid="domain-dialog-dest-uri" spellCheck={false} />
              </Form.Item>
              <Form.Item name="persistent" valuePropName="checked" style={{ marginBottom: 4 }}>
                <Checkbox>{t('domains.dialog.migrate.persistent')}</Checkbox>
              </Form.Item>
              <Form.Item name="undefineSource" valuePropName="checked">
                <Checkbox>{t('domains.dialog.migrate.undefineSource')}</Checkbox>
              </Form.Item>
            </>
          )}
        </Form>
      </div>
    </Modal>
  );
}
