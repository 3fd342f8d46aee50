import type { ErrorCode } from '@contract/errors';
import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ActionKey } from '../stores/toast-store';

export interface ErrorLike {
  readonly code: ErrorCode;
  readonly message: string;
  readonly hint?: string | undefined;
}

/**
 * The body of every error shown to the user: what was being done, the service's message, a hint
 * how to fix it (the service's own when it gave one, else the generic one for the code), and the
 * code to quote in a report.
 */
export function ErrorDetails({ error, action }: { error: ErrorLike; action?: ActionKey }) {
  const { t } = useTranslation();
  const hint = error.hint ?? t(`errors.${error.code}.hint`);
  return (
    <div className="drover-error" data-testid="error-details" data-code={error.code}>
      {action && (
        <Typography.Text type="secondary" className="drover-error-action">
          {t('toast.while', { action: t(`actions.${action}`) })}
        </Typography.Text>
      )}
      <div className="drover-error-message drover-mono">{error.message}</div>
      <div className="drover-error-hint">
        <Typography.Text strong>{t('toast.hint')}: </Typography.Text>
        {hint}
      </div>
      <Typography.Text type="secondary" className="drover-error-code">
        {t('toast.code')}: <span className="drover-mono">{error.code}</span>
      </Typography.Text>
    </div>
  );
}

export function useErrorTitle(): (code: ErrorCode) => string {
  const { t } = useTranslation();
  return (code) => t(`errors.${code}.title`);
}
