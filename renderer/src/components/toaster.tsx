import type { Notice } from '@contract/system';
import { App } from 'antd';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useStores, useToastStore } from '../stores/stores';
import { selectToastQueue } from '../stores/toast-store';
import { noticeText } from '../i18n/notice-text';
import { ErrorDetails } from './error-details';

const ERROR_TOAST_SECONDS = 15;
const NOTICE_SECONDS: Record<Notice['level'], number | false> = { info: 8, warning: 15, error: false };

/** Shows queued errors and notices as antd notifications, each exactly once. */
export function Toaster() {
  const { notification } = App.useApp();
  const { t, i18n } = useTranslation();
  const queue = useToastStore(selectToastQueue);
  const { toasts } = useStores();

  useEffect(() => {
    for (const toast of queue) {
      toasts.getState().take(toast.id);
      if (toast.kind === 'error') {
        notification.error({
          // The same failure repeated replaces its toast instead of stacking up.
          key: `error:${toast.code}:${toast.action}:${toast.message}`,
          title: t(`errors.${toast.code}.title`),
          description: <ErrorDetails error={toast} action={toast.action} />,
          duration: ERROR_TOAST_SECONDS,
          showProgress: true,
          pauseOnHover: true,
          props: { 'data-testid': 'toast-error' },
        });
      } else {
        const n = toast.notice;
        notification.open({
          type: n.level === 'error' ? 'error' : n.level === 'warning' ? 'warning' : 'info',
          key: `notice:${n.id}`,
          title: t(`toast.notice.${n.level}`),
          description: (
            <>
              <div>{noticeText(i18n, n)}</div>
              {n.error && <ErrorDetails error={n.error} />}
            </>
          ),
          duration: NOTICE_SECONDS[n.level],
          showProgress: NOTICE_SECONDS[n.level] !== false,
          pauseOnHover: true,
          props: { 'data-testid': 'toast-notice' },
        });
      }
    }
  }, [queue, notification, t, i18n, toasts]);

  return null;
}
