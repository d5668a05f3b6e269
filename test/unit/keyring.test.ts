import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyringVerdict } from '../../electron/main/keyring';

test('the OS keychain is offered only where it really protects the key: never Electron\'s plaintext fallback on Linux', () => {
  const linux = (linuxBackend: Parameters<typeof keyringVerdict>[0]['linuxBackend'], encryptionAvailable = true) => keyringVerdict({ platform: 'linux', encryptionAvailable, linuxBackend });
  assert.equal(linux('basic_text').available, false);
  assert.match(linux('basic_text').note, /fixed, public password/);
  assert.equal(linux('unknown').available, false);
  assert.equal(linux('gnome_libsecret').available, true);
  assert.match(linux('gnome_libsecret').note, /GNOME keyring/);
  assert.equal(linux('kwallet6').available, true);
  assert.equal(linux('gnome_libsecret', false).available, false, 'no encryption at all');
  assert.equal(keyringVerdict({ platform: 'darwin', encryptionAvailable: true, linuxBackend: null }).available, true);
  assert.equal(keyringVerdict({ platform: 'win32', encryptionAvailable: true, linuxBackend: null }).available, true);
  assert.equal(keyringVerdict({ platform: 'win32', encryptionAvailable: false, linuxBackend: null }).available, false);
  assert.equal(keyringVerdict({ platform: 'freebsd', encryptionAvailable: true, linuxBackend: null }).available, false);
});
