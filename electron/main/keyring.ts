// The OS keychain for the workspace key, decided as a pure function so it is unit-tested without Electron.

export type LinuxBackend = 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown';

export interface KeyringVerdict {
  available: boolean;
  note: string;
}

/**
 * Whether safeStorage really protects a secret here. On Linux without a secret service Electron
 * falls back to a hard-coded password ("basic_text"): that is obfuscation, not protection, so it
 * is refused and the passphrase stays the only way in.
 */
export function keyringVerdict(p: { platform: NodeJS.Platform; encryptionAvailable: boolean; linuxBackend: LinuxBackend | null }): KeyringVerdict {
  if (!p.encryptionAvailable) return { available: false, note: 'The OS keychain is not available on this computer: the passphrase unlocks the workspace.' };
  if (p.platform === 'linux') {
    if (p.linuxBackend === 'basic_text' || p.linuxBackend === 'unknown' || p.linuxBackend === null) {
      return { available: false, note: 'No secret service (GNOME Keyring, KWallet) was found: Electron would keep the key under a fixed, public password, so it is not offered. The passphrase unlocks the workspace.' };
    }
    return { available: true, note: `The key can also be kept in ${p.linuxBackend === 'gnome_libsecret' ? 'the GNOME keyring (libsecret)' : 'KWallet'}, opened when you log in to this computer.` };
  }
  if (p.platform === 'darwin') return { available: true, note: 'The key can also be kept in the macOS Keychain, for this app and this user.' };
  if (p.platform === 'win32') return { available: true, note: 'The key can also be kept with Windows DPAPI, for this Windows user.' };
  return { available: false, note: `The OS keychain is not supported on ${p.platform}: the passphrase unlocks the workspace.` };
}
