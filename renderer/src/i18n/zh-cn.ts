import type { en } from './en';
import type { Translation } from './translation';

/** Simplified Chinese. Same keys as en.ts; the compiler refuses a missing one. */
export const zhCN: Translation<typeof en> = {
  app: {
    name: 'Drover',
    tagline: '运维控制台',
  },
  placeholder: {
    badge: '尚未实现',
    title: '“{{page}}”尚未实现',
    later: '此页面将在 Drover 的后续版本中提供，届时它将：',
  },
  header: {
    server: '服务端',
    version: '服务端版本',
    language: '语言',
    theme: '主题',
    shortcuts: '键盘快捷键',
  },
  language: {
    system: '跟随系统',
    en: 'English',
    zhCN: '简体中文',
  },
  theme: {
    system: '跟随系统',
    light: '浅色',
    dark: '深色',
  },
  connection: {
    transport: {
      electron: 'Electron 端口',
      web: 'Web 套接字',
    },
    status: {
      connecting: '正在连接…',
      open: '已连接',
      dialing: '正在重连…',
      reconnecting: '{{seconds}} 秒后重连',
      disconnected: '连接已断开 · {{seconds}} 秒后重试',
      disconnectedDialing: '连接已断开 · 正在重试…',
      unauthorized: '未授权',
      disposed: '已关闭',
    },
    details: '连接',
    fieldTransport: '传输方式',
    fieldStatus: '状态',
    fieldSince: '连接时间',
    fieldDownSince: '断开时间',
    fieldAttempt: '失败次数',
    fieldNextRetry: '下次重试',
    fieldCause: '原因',
    fieldHint: '处理建议',
    nextRetryIn: '{{seconds}} 秒后',
    nextRetryNow: '立即',
    retryNow: '立即重试',
    hint: {
      web: '请确认 `drover serve` 仍在其终端中运行。页面会自动重连并恢复实时视图。',
      electron: 'Drover 主进程没有响应。Drover 会自动重连；如果持续如此，请重启 Drover。',
      unauthorized: '此页面的访问令牌已不被接受（服务端已重启，或链接已过期）。请重新打开 `drover serve` 打印的网址，然后点击“立即重试”。',
    },
  },
  shortcuts: {
    title: '键盘快捷键',
    goTo: '前往“{{page}}”',
    settings: '打开设置',
    help: '显示此列表',
    close: '关闭对话框或抽屉',
    toggleTheme: '在浅色与深色主题之间切换',
    toggleLanguage: '在 English 与简体中文之间切换',
    or: '或',
    footer: '在文本框中输入时，除带 Ctrl 的快捷键外，其余快捷键不会触发。',
    pageTitle: '在“{{page}}”页面',
  },
  hostKey: {
    title: '未知主机密钥：信任此服务器吗？',
    intro: 'Drover 正在连接 {{host}}，但不认识此服务器的密钥：它不在任何 known_hosts 文件中。只有指纹与服务器上的一致时才信任；密钥不符可能意味着连接正被他人截获。',
    host: '主机',
    port: '端口',
    keyType: '密钥类型',
    usedBy: '使用它的隧道',
    fingerprint: 'SHA256 指纹',
    copy: '复制指纹',
    copied: '已复制',
    verifyTitle: '如何核对',
    verifyStep: '在服务器上（控制台或你信任的会话中）运行：',
    verifyCompare: '然后逐字符比对 SHA256:… 的值。信任的密钥会记录到 Drover 的 known_hosts 中。',
    expiresIn: '{{time}} 后自动拒绝',
    expired: '已过期：该密钥已被拒绝',
    queue: '等待中：第 {{position}} 个，共 {{total}} 个',
    later: '稍后决定',
    refuse: '拒绝',
    trust: '信任并连接',
    reminder: '有主机密钥等待你处理：{{host}}（{{count}}）',
  },
  toast: {
    notice: {
      info: '通知',
      warning: '警告',
      error: '问题',
    },
    while: '操作：{{action}}',
    hint: '建议',
    code: '代码',
  },
  actions: {
    loadInfo: '加载系统信息',
    ping: 'Ping 服务',
    watchNotices: '监视服务通知',
    saveSettings: '保存设置',
    watchSettings: '监视设置变更',
    loadSecrets: '读取密钥库',
    unlockSecrets: '解锁密钥库',
    lockSecrets: '锁定密钥库',
    answerHostKey: '回答主机密钥询问',
    watchHostKeys: '监视主机密钥询问',
    unexpected: '页面运行',
  },
  format: {
    duration: {
      s: '{{n}} 秒',
      m: '{{n}} 分钟',
      hm: '{{h}} 小时 {{m}} 分钟',
      dh: '{{d}} 天 {{h}} 小时',
    },
  },
  errors: {
    genericHint: '如果反复出现，请记下错误代码和信息，并查看 Drover 日志。',
    BAD_FRAME: {
      title: '消息格式错误',
      hint: '界面与服务的协议不一致。请刷新页面；如果仍然出现，请更新 Drover。',
    },
    FRAME_TOO_LARGE: {
      title: '消息过大',
      hint: '请减少一次请求的数据量（缩小筛选条件或范围）。',
    },
    UNKNOWN_METHOD: {
      title: '未知操作',
      hint: '界面与服务的版本不一致。请刷新页面或重启 Drover。',
    },
    INVALID_INPUT: {
      title: '输入无效',
      hint: '请检查标出的值后重试。',
    },
    INVALID_OUTPUT: {
      title: '服务返回了意外结果',
      hint: '这是 Drover 的缺陷。请记下操作步骤，并连同日志一起报告。',
    },
    CANCELLED: {
      title: '已取消',
      hint: '操作在完成前被中止；如有需要请重新执行。',
    },
    TIMEOUT: {
      title: '超时',
      hint: '目标没有及时响应。请检查它是否可达、是否过载，然后重试。',
    },
    UNAVAILABLE: {
      title: '服务不可用',
      hint: 'Drover 服务或目标当前无法访问。Drover 会自动重试；请查看连接状态指示。',
    },
    NOT_FOUND: {
      title: '未找到',
      hint: '它可能已被删除或改名。请刷新视图。',
    },
    ALREADY_EXISTS: {
      title: '已存在',
      hint: '请换一个名称，或改为编辑已有条目。',
    },
    CONFLICT: {
      title: '已被他人修改',
      hint: '加载后该值已发生变化。请刷新、查看新值，然后重新应用你的修改。',
    },
    UNAUTHENTICATED: {
      title: '未通过身份验证',
      hint: '凭据被拒绝。若使用 Web 界面，请重新打开 `drover serve` 打印的网址。',
    },
    PERMISSION_DENIED: {
      title: '权限不足',
      hint: '账户或文件权限不允许此操作。请检查运行 Drover 的用户。',
    },
    LOCKED: {
      title: '密钥库已锁定',
      hint: '请在“设置 → 密钥”中解锁密钥库，然后重试。',
    },
    HOST_KEY_UNKNOWN: {
      title: '未知主机密钥',
      hint: '首次连接此主机。请将其指纹与主机上的指纹核对后再批准。',
    },
    HOST_KEY_CHANGED: {
      title: '主机密钥已变更',
      hint: '主机提供的密钥与之前不同：可能是重装系统，也可能是攻击。请先在主机上核实，再替换 known_hosts 中的条目。',
    },
    HOST_KEY_REVOKED: {
      title: '主机密钥已吊销',
      hint: 'known_hosts 将此密钥标记为 @revoked。请勿连接，并联系主机管理员。',
    },
    AUTH_FAILED: {
      title: '认证失败',
      hint: '主机拒绝了用户名、私钥、代理或密码。请检查主机配置和密钥库。',
    },
    PORT_IN_USE: {
      title: '端口已被占用',
      hint: '另一个程序正在监听此端口。请停止该程序或换一个本地端口。',
    },
    UNSUPPORTED: {
      title: '不支持',
      hint: '此处无法使用该功能（平台、传输方式或目标版本不支持）。',
    },
    INTERNAL: {
      title: '内部错误',
      hint: 'Drover 内部发生了意外错误。请记下操作步骤并查看日志。',
    },
  },
  notice: {
    settings: {
      unreadable: 'Drover 无法读取设置文件 {{file}}（{{code}}）。现使用默认设置运行，且不会覆盖该文件；此时所做的修改在 Drover 退出后失效。',
      migrated: '设置已从版本 {{from}} 升级到 {{to}}；下次修改时将以新格式保存。',
      keepAsideFailed: '设置文件 {{file}} 无法使用，且无法移到一旁（{{code}}）。现使用默认设置运行，且不会覆盖该文件；此时所做的修改在 Drover 退出后失效。',
      keptAside: '设置文件无法使用（{{reason}}）。已另存为 {{keptAs}}，Drover 使用默认设置启动。',
      keptAsideNewer: '设置文件来自更新版本的 Drover（{{reason}}）。已另存为 {{keptAs}}，Drover 使用默认设置启动。',
    },
    secrets: {
      badEnv: '无法识别 DROVER_SECRETS={{value}}（可用 "memory" 或 "vault"）；将使用默认密钥库。',
      memoryOnly: '密钥仅保存在内存中（DROVER_SECRETS=memory），Drover 退出后即丢失。',
      notPersistent: '密钥仅保存在内存中，Drover 退出后即丢失：{{reason}}',
      note: '密钥库：{{reason}}',
      unlockFailed: 'DROVER_VAULT_PASSPHRASE 未能解锁密钥库（{{reason}}）；解锁之前，已保存的密码和私钥口令不可用。',
    },
  },
};
