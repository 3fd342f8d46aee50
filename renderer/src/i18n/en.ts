import type { ErrorCode } from '@contract/errors';

interface ErrorText {
  readonly title: string;
  readonly hint: string;
}

/**
 * The shell's own English strings (every feature brings its own in features/<id>/i18n.en.ts,
 * merged at start). zh-cn.ts must have the same keys (the compiler checks it), and every
 * AppError code has a title and a generic hint here.
 */
export const en = {
  app: {
    name: 'Drover',
    tagline: 'Operations console',
  },
  placeholder: {
    badge: 'Not built yet',
    title: '{{page}} is not built yet',
    later: 'This page arrives in a later release of Drover. Here is what it will do:',
  },
  header: {
    server: 'Server',
    version: 'Server version',
    language: 'Language',
    theme: 'Theme',
    shortcuts: 'Keyboard shortcuts',
  },
  language: {
    system: 'Follow system',
    en: 'English',
    zhCN: '简体中文',
  },
  theme: {
    system: 'Follow system',
    light: 'Light',
    dark: 'Dark',
  },
  connection: {
    transport: {
      electron: 'Electron port',
      web: 'Web socket',
    },
    status: {
      connecting: 'Connecting…',
      open: 'Connected',
      dialing: 'Reconnecting…',
      reconnecting: 'Reconnecting in {{seconds}} s',
      disconnected: 'Disconnected · retry in {{seconds}} s',
      disconnectedDialing: 'Disconnected · retrying…',
      unauthorized: 'Not authorized',
      gone: 'This console was restarted or stopped',
      disposed: 'Closed',
    },
    details: 'Connection',
    fieldTransport: 'Transport',
    fieldStatus: 'Status',
    fieldSince: 'Connected since',
    fieldDownSince: 'Down since',
    fieldAttempt: 'Failed attempts',
    fieldNextRetry: 'Next retry',
    fieldCause: 'Cause',
    fieldHint: 'What to do',
    nextRetryIn: 'in {{seconds}} s',
    nextRetryNow: 'now',
    retryNow: 'Retry now',
    hint: {
      web: 'Check that `drover serve` is still running in its terminal. The page reconnects by itself and restores live views.',
      electron: 'The Drover main process is not answering. Drover reconnects by itself; if this lasts, restart Drover.',
      unauthorized:
        'This console was restarted (this page’s access token is not accepted any more, or the link is old): open the new URL printed by `npm start` (or `drover serve`). Retry now tries this page’s address again.',
      gone: 'This console was restarted: open the new URL printed by `npm start` (or `drover serve`). Nothing answers at this page’s address any more, so it stopped retrying; Retry now tries once more.',
    },
  },
  shortcuts: {
    title: 'Keyboard shortcuts',
    goTo: 'Go to {{page}}',
    settings: 'Open Settings',
    help: 'Show this list',
    close: 'Close a dialog or drawer',
    toggleTheme: 'Switch between light and dark theme',
    toggleLanguage: 'Switch between English and 简体中文',
    or: 'or',
    footer: 'Shortcuts do not fire while you type in a text field, except those with Ctrl.',
    pageTitle: 'On the {{page}} page',
  },
  hostKey: {
    title: 'Unknown host key: trust this server?',
    intro:
      'Drover is connecting to {{host}} and does not know this server’s key: it is in no known_hosts file. Trust it only if the fingerprint matches the one on the server; a wrong key can mean someone is intercepting the connection.',
    host: 'Host',
    port: 'Port',
    keyType: 'Key type',
    usedBy: 'Used by tunnels',
    fingerprint: 'SHA256 fingerprint',
    copy: 'Copy fingerprint',
    copied: 'Copied',
    verifyTitle: 'How to verify',
    verifyStep: 'On the server (its console, or a session you trust), run:',
    verifyCompare: 'and compare the SHA256:… value character by character. Trusted keys are recorded in Drover’s known_hosts.',
    expiresIn: 'Refused automatically in {{time}}',
    expired: 'Expired: the key was refused',
    queue: '{{position}} of {{total}} waiting',
    later: 'Decide later',
    refuse: 'Refuse',
    trust: 'Trust and connect',
    reminder: 'Host key waiting for you: {{host}} ({{count}})',
  },
  toast: {
    notice: {
      info: 'Notice',
      warning: 'Warning',
      error: 'Problem',
    },
    while: 'While {{action}}',
    hint: 'Hint',
    code: 'Code',
  },
  actions: {
    loadInfo: 'loading system information',
    ping: 'pinging the service',
    watchNotices: 'watching service notices',
    saveSettings: 'saving settings',
    watchSettings: 'watching settings',
    loadSecrets: 'reading the secret store',
    unlockSecrets: 'unlocking the secret store',
    lockSecrets: 'locking the secret store',
    answerHostKey: 'answering a host key question',
    watchHostKeys: 'watching host key questions',
    unexpected: 'running the page',
  },
  live: {
    live: 'Live',
    liveAge: 'Live · updated {{age}} ago',
    connecting: 'Connecting…',
    stale: 'Stale',
    staleAge: 'Stale · data from {{age}} ago',
    down: 'Down',
    downFor: 'Down for {{since}}',
    disconnected: 'Disconnected',
    disconnectedAge: 'Disconnected · data from {{age}} ago',
    disconnectedHint: 'This console lost its connection to Drover’s services: what you see is not live, and actions wait until it is back.',
    via: 'via tunnel “{{name}}” ({{state}})',
    viaRetry: 'via tunnel “{{name}}” ({{state}}, retry in {{seconds}} s)',
    nextAttempt: 'next attempt in {{seconds}} s',
    staleValue: 'Not live: data from {{age}} ago',
  },
  format: {
    duration: {
      s: '{{n}} s',
      m: '{{n}} min',
      hm: '{{h}} h {{m}} min',
      dh: '{{d}} d {{h}} h',
    },
  },
  errors: {
    genericHint: 'If this keeps happening, note the code and message and check the Drover log.',
    BAD_FRAME: {
      title: 'Malformed message',
      hint: 'The UI and the service disagree about the protocol. Reload the page; if it persists, update Drover.',
    },
    FRAME_TOO_LARGE: {
      title: 'Message too large',
      hint: 'Request less data at once (narrow the filter or the range).',
    },
    UNKNOWN_METHOD: {
      title: 'Unknown operation',
      hint: 'The UI and the service are different versions. Reload the page or restart Drover.',
    },
    INVALID_INPUT: {
      title: 'Invalid input',
      hint: 'Check the value the message names and try again.',
    },
    INVALID_OUTPUT: {
      title: 'Unexpected reply from the service',
      hint: 'This is a bug in Drover. Note what you did and report it with the log.',
    },
    CANCELLED: {
      title: 'Cancelled',
      hint: 'The operation was stopped before it finished; run it again if needed.',
    },
    TIMEOUT: {
      title: 'Timed out',
      hint: 'The target did not answer in time. Check that it is reachable and not overloaded, then retry.',
    },
    UNAVAILABLE: {
      title: 'Service unavailable',
      hint: 'The Drover service or the target is not reachable right now. Drover retries by itself; check the connection indicator.',
    },
    NOT_FOUND: {
      title: 'Not found',
      hint: 'It may have been removed or renamed meanwhile. Refresh the view.',
    },
    ALREADY_EXISTS: {
      title: 'Already exists',
      hint: 'Pick another name, or edit the existing entry instead.',
    },
    CONFLICT: {
      title: 'Changed by someone else',
      hint: 'The value changed since you loaded it. Refresh, review the new value, and apply your change again.',
    },
    UNAUTHENTICATED: {
      title: 'Not authenticated',
      hint: 'The credentials were refused. For the web UI, open the URL printed by `drover serve` again.',
    },
    PERMISSION_DENIED: {
      title: 'Permission denied',
      hint: 'The account or file permissions do not allow this. Check the user Drover runs as.',
    },
    LOCKED: {
      title: 'Secret store locked',
      hint: 'Unlock the secret store in Settings → Secrets, then retry.',
    },
    HOST_KEY_UNKNOWN: {
      title: 'Unknown host key',
      hint: 'This host has not been seen before. Compare its fingerprint with the one on the host, then approve it.',
    },
    HOST_KEY_CHANGED: {
      title: 'Host key changed',
      hint: 'The host presents a different key than before: possibly a reinstall, possibly an attack. Verify on the host before replacing the entry in known_hosts.',
    },
    HOST_KEY_REVOKED: {
      title: 'Host key revoked',
      hint: 'known_hosts marks this key as @revoked. Do not connect; ask who manages the host.',
    },
    AUTH_FAILED: {
      title: 'Authentication failed',
      hint: 'The user, key, agent or password was refused by the host. Check the host profile and the secret store.',
    },
    PORT_IN_USE: {
      title: 'Port in use',
      hint: 'Another program listens on this port. Stop it or choose another local port.',
    },
    UNSUPPORTED: {
      title: 'Not supported',
      hint: 'This is not available here (platform, transport or target version).',
    },
    INTERNAL: {
      title: 'Internal error',
      hint: 'Something unexpected failed inside Drover. Note what you did and check the log.',
    },
  } satisfies { genericHint: string } & Record<ErrorCode, ErrorText>,
  notice: {
    settings: {
      unreadable:
        'Drover could not read its settings file {{file}} ({{code}}). It runs on default settings and will not write over that file; changes made now last until Drover quits.',
      migrated: 'Settings were upgraded from version {{from}} to {{to}}; they are saved in the new format on the next change.',
      keepAsideFailed:
        'The settings file {{file}} is unusable and could not be moved aside ({{code}}). Drover runs on default settings and will not write over it; changes made now last until Drover quits.',
      keptAside: 'The settings file was unusable ({{reason}}). It was kept as {{keptAs}} and Drover starts on default settings.',
      keptAsideNewer: 'The settings file comes from a newer Drover ({{reason}}). It was kept as {{keptAs}} and Drover starts on default settings.',
    },
    secrets: {
      badEnv: 'DROVER_SECRETS={{value}} is not understood (use "memory" or "vault"); the default secret store is used.',
      memoryOnly: 'Secrets are kept in memory only (DROVER_SECRETS=memory) and are forgotten when Drover quits.',
      notPersistent: 'Secrets are kept in memory only and are forgotten when Drover quits: {{reason}}',
      note: 'Secret store: {{reason}}',
      unlockFailed: 'DROVER_VAULT_PASSPHRASE did not unlock the secret vault ({{reason}}); stored passwords and key passphrases are unavailable until it is unlocked.',
    },
  },
};
