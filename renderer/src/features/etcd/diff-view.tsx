import { Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { lineDiff, withContext } from './line-diff';

/** A line diff of two texts: removed lines (old) in red, added (new) in green, unchanged context around them. */
export function DiffView({ oldText, newText, oldLabel, newLabel, testId = 'etcd-diff' }: { oldText: string; newText: string; oldLabel: string; newLabel: string; testId?: string }) {
  const { t } = useTranslation();
  const diff = useMemo(() => lineDiff(oldText, newText), [oldText, newText]);
  const shown = useMemo(() => withContext(diff.lines, 3), [diff]);
  return (
    <div className="drover-etcd-diff" data-testid={testId} data-added={diff.added} data-removed={diff.removed}>
      <div className="drover-etcd-diff-legend">
        <span className="drover-etcd-diff-del">− {oldLabel}</span>
        <span className="drover-etcd-diff-add">+ {newLabel}</span>
        <Typography.Text type="secondary">{t('etcd.diff.summary', { added: diff.added, removed: diff.removed })}</Typography.Text>
      </div>
      {diff.added === 0 && diff.removed === 0 ? (
        <Typography.Text type="secondary">{t('etcd.diff.same')}</Typography.Text>
      ) : (
        <pre className="drover-etcd-diff-body drover-mono">
          {shown.map((l, i) =>
            l.type === 'gap' ? (
              <div key={i} className="drover-etcd-diff-gap">
                {t('etcd.diff.gap', { count: l.count })}
              </div>
            ) : (
              <div key={i} className={`drover-etcd-diff-line drover-etcd-diff-${l.type}`}>
                <span className="drover-etcd-diff-no">{l.oldLine ?? ''}</span>
                <span className="drover-etcd-diff-no">{l.newLine ?? ''}</span>
                <span className="drover-etcd-diff-sign">{l.type === 'add' ? '+' : l.type === 'del' ? '−' : ' '}</span>
                <span className="drover-etcd-diff-text">{l.text}</span>
              </div>
            ),
          )}
        </pre>
      )}
      {diff.coarse && <Typography.Text type="secondary">{t('etcd.diff.coarse')}</Typography.Text>}
    </div>
  );
}
