import type { ErrorCode } from '@contract/errors';

interface ErrorText {
  readonly title: string;
  readonly hint: string;
}

/**
 * Every user-visible English string of the renderer. zh-cn.ts must have the same keys (the
 * compiler checks it), and every AppError code has a title and a generic hint here.
 */
export const en = {
  app: {
    name: 'Drover',
    tagline: 'Operations console',
  },
  nav: {
    tunnels: 'Tunnels',
    terminal: 'Terminal',
    etcd: 'etcd',
    miners: 'Miners',
    netboot: 'Netboot',
    domains: 'Domains',
    fleet: 'Fleet',
    settings: 'Settings',
  },
  placeholder: {
    badge: 'Not built yet',
    title: '{{page}} is not built yet',
    later: 'This page arrives in a later release of Drover. Here is what it will do:',
    tunnels:
      'Keep SSH port forwards (local, remote and SOCKS) up through jump hosts, with live state, automatic reconnect and traffic counters — the replacement for autossh.',
    terminal: 'Open tabbed shells on any host of the fleet, local or over SSH, with search, clickable links and flow control.',
    etcd: 'Browse, watch and edit the etcd keys that drive netboot and rig configuration, with compare-and-swap edits and confirmed deletes.',
    miners: 'Follow lotus-miner sealing jobs, workers, sectors and deadlines live, and abort stuck jobs with a confirmation.',
    netboot: 'Run the PXE / iPXE boot service: per-subnet boot configuration, boot scripts and the machines that booted recently.',
    domains: 'List the KVM virtual machines (libvirt domains) of every host with their state, and start, shut down or destroy them with confirmation.',
    fleet: 'See every GPU rig and host at a glance — reachability, temperatures, hash rates and faults — filtered to what needs attention.',
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
        'This page’s access token is not accepted (the server restarted, or the link is old). Open the URL printed by `drover serve` again, then press Retry now.',
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
  },
  settings: {
    appearance: 'Appearance',
    language: 'Language',
    theme: 'Theme',
    savedOnServer: 'Saved in Drover’s settings file and applied to every window.',
    resolved: 'Now showing: {{value}}',
  },
  secrets: {
    title: 'Secrets',
    intro: 'Passwords and key passphrases used for SSH are kept in the secret store. Values are never shown here.',
    status: 'Status',
    backend: 'Store',
    backends: {
      safeStorage: 'Operating system keychain',
      vault: 'Passphrase vault (encrypted file)',
      memory: 'Memory only',
    },
    persistent: 'Kept across restarts',
    notPersistent: 'Forgotten when Drover stops',
    reason: 'Note',
    state: {
      unlocked: 'Unlocked',
      locked: 'Locked',
      uninitialized: 'Not created yet',
      open: 'Available',
    },
    count: 'Stored secrets',
    passphrase: 'Passphrase',
    passphraseConfirm: 'Repeat passphrase',
    passphrasePlaceholder: 'Vault passphrase',
    unlock: 'Unlock',
    create: 'Create vault',
    lock: 'Lock',
    mismatch: 'The two passphrases differ.',
    tooShort: 'Use at least {{min}} characters.',
    createHint: 'No vault exists yet. Choose a passphrase: it encrypts the vault file and cannot be recovered if lost.',
    wrongPassphrase: 'Wrong passphrase: the vault did not open.',
    names: 'Stored secret names',
    none: 'No secrets stored.',
    lockedList: 'Unlock the vault to see the names of stored secrets.',
  },
  about: {
    title: 'About / Status',
    version: 'Version',
    transport: 'Transport',
    platform: 'Platform',
    node: 'Node.js',
    pid: 'Process id',
    startedAt: 'Service started',
    configDir: 'Config directory',
    notLoaded: 'Not loaded yet: waiting for the connection.',
    reload: 'Reload',
    ping: 'Ping',
    pingTitle: 'Round trip',
    pingIntro: 'Sends a random marker to the service and measures the time until it comes back.',
    pingSent: 'Sent',
    pingEcho: 'Echo',
    pingRtt: 'Round trip',
    pingMs: '{{ms}} ms',
    pingMatch: 'Echo matches',
    pingMismatch: 'Echo does not match what was sent',
    notices: 'Recent notices',
    noNotices: 'No notices.',
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
    unexpected: 'running the page',
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
      hint: 'Check the highlighted values and try again.',
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
    },
  },
};

type DeepStrings<T> = { readonly [K in keyof T]: T[K] extends string ? string : DeepStrings<T[K]> };

/** The shape every translation has. */
export type Messages = DeepStrings<typeof en>;
