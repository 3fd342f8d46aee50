/**
 * The ssh_config keywords OpenSSH 9 knows (ssh_config(5)), including deprecated ones it still
 * accepts, so that an unknown keyword can be told apart from one Drover merely does not use.
 */
const KEYWORDS: readonly string[] = [
  'AddKeysToAgent', 'AddressFamily', 'BatchMode', 'BindAddress', 'BindInterface', 'CanonicalDomains',
  'CanonicalizeFallbackLocal', 'CanonicalizeHostname', 'CanonicalizeMaxDots', 'CanonicalizePermittedCNAMEs',
  'CASignatureAlgorithms', 'CertificateFile', 'ChallengeResponseAuthentication', 'CheckHostIP', 'Ciphers',
  'ClearAllForwardings', 'Compression', 'ConnectionAttempts', 'ConnectTimeout', 'ControlMaster', 'ControlPath',
  'ControlPersist', 'DynamicForward', 'EnableEscapeCommandline', 'EnableSSHKeysign', 'EscapeChar',
  'ExitOnForwardFailure', 'FingerprintHash', 'ForkAfterAuthentication', 'ForwardAgent', 'ForwardX11',
  'ForwardX11Timeout', 'ForwardX11Trusted', 'GatewayPorts', 'GlobalKnownHostsFile', 'GSSAPIAuthentication',
  'GSSAPIDelegateCredentials', 'HashKnownHosts', 'Host', 'HostbasedAcceptedAlgorithms', 'HostbasedAuthentication',
  'HostKeyAlgorithms', 'HostKeyAlias', 'HostName', 'IdentitiesOnly', 'IdentityAgent', 'IdentityFile', 'IgnoreUnknown',
  'Include', 'IPQoS', 'KbdInteractiveAuthentication', 'KbdInteractiveDevices', 'KexAlgorithms', 'KnownHostsCommand',
  'LocalCommand', 'LocalForward', 'LogLevel', 'LogVerbose', 'MACs', 'Match', 'NoHostAuthenticationForLocalhost',
  'NumberOfPasswordPrompts', 'PasswordAuthentication', 'PermitLocalCommand', 'PermitRemoteOpen', 'PKCS11Provider',
  'Port', 'PreferredAuthentications', 'ProxyCommand', 'ProxyJump', 'ProxyUseFdpass', 'PubkeyAcceptedAlgorithms',
  'PubkeyAcceptedKeyTypes', 'PubkeyAuthentication', 'RekeyLimit', 'RemoteCommand', 'RemoteForward', 'RequestTTY',
  'RequiredRSASize', 'RevokedHostKeys', 'SecurityKeyProvider', 'SendEnv', 'ServerAliveCountMax',
  'ServerAliveInterval', 'SessionType', 'SetEnv', 'StdinNull', 'StreamLocalBindMask', 'StreamLocalBindUnlink',
  'StrictHostKeyChecking', 'SyslogFacility', 'Tag', 'TCPKeepAlive', 'Tunnel', 'TunnelDevice', 'UpdateHostKeys',
  'User', 'UserKnownHostsFile', 'VerifyHostKeyDNS', 'VisualHostKey', 'XAuthLocation',
  // deprecated or distribution-specific, still accepted by OpenSSH 9 (Debian)
  'Cipher', 'ChannelTimeout', 'CompressionLevel', 'GSSAPIClientIdentity', 'GSSAPIKexAlgorithms', 'GSSAPIKeyExchange',
  'GSSAPIRenewalForcesRekey', 'GSSAPIServerIdentity', 'GSSAPITrustDns', 'HostbasedKeyTypes', 'ObscureKeystrokeTiming',
  'Protocol', 'RhostsRSAAuthentication', 'RSAAuthentication', 'SmartcardDevice', 'UsePrivilegedPort', 'UseRoaming',
];

const BY_LOWER = new Map(KEYWORDS.map((k) => [k.toLowerCase(), k] as const));

/** The canonical spelling of an ssh_config keyword (keywords are case-insensitive), or undefined if unknown. */
export function canonicalSshKeyword(keyword: string): string | undefined {
  return BY_LOWER.get(keyword.toLowerCase());
}
