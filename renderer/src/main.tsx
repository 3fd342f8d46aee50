import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ReconnectingConnection } from './api/reconnecting-connection';
import { openEndpoint, transportKind } from './api/transport';
import { App } from './app/app';
import { FEATURES } from './app/features';
import './app/global.css';
import { bindLanguage } from './i18n/bind-language';
import { createI18n } from './i18n/i18n';
import { selectResolvedLanguage } from './stores/settings-store';
import { createStores } from './stores/stores';

const transport = transportKind();
const link = new ReconnectingConnection({
  open: () => openEndpoint(transport, { timeoutMs: 10_000 }),
  onProtocolError: (err) => stores.toasts.getState().reportError(err, 'unexpected'),
});
const stores = createStores({ api: link.api, link, transport, features: FEATURES });
const i18n = createI18n(selectResolvedLanguage(stores.settings.getState()), FEATURES);
bindLanguage(stores.settings, i18n);

// Nothing fails silently: an uncaught error anywhere in the page becomes a toast too.
// (Chromium reports a benign "ResizeObserver loop" as an error event: not the user's problem.)
window.addEventListener('error', (e) => {
  if (typeof e.message === 'string' && e.message.startsWith('ResizeObserver loop')) return;
  stores.toasts.getState().reportError(e.error ?? e.message, 'unexpected');
});
window.addEventListener('unhandledrejection', (e) => stores.toasts.getState().reportError(e.reason, 'unexpected'));

link.start();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App stores={stores} i18n={i18n} />
  </StrictMode>,
);
