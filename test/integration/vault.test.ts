import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { test, type TestContext } from 'node:test';
import { openCore, type Core } from '../../electron/core/core';
import { runCli } from '../../electron/core/cli/run';
import { keyId, unwrapKey, wrapKey, writeVaultFile } from '../../electron/core/vault/key-wrap';
import { isPlaintextDatabase, rewriteDatabaseKey } from '../../electron/core/vault/sqlcipher';
import type { OsKeyring } from '../../electron/core/vault/gate';
import type { BackupReport } from '../../electron/shared/backup';
import type { VaultStatus } from '../../electron/shared/vault';
import { factsSnapshot } from '../fixtures/datanets/facts';
import { call, jobResult, tempDir } from '../helpers/workspace';

// scrypt at 2^10 instead of the app's 2^17, through the explicit test option: the wrapping is the
// same code, only cheaper, and these tests unlock many times.
const VAULT = { scryptN: 2 ** 10 };
const PASSPHRASE = 'correct horse battery staple';
const CANARY = 'CANARY-7f3a9c-patient-Ms-Quill-diagnosis';

function open(t: TestContext, dir: string, vault: Parameters<typeof openCore>[0]['vault'] = VAULT): Core {
  const core = openCore({ workspaceDir: dir, host: 'test', vault });
  t.after(() => core.close());
  return core;
}

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((p) => join(dir, p)).filter((p) => statSync(p).isFile());
}

const holding = (files: string[], needle: string) => files.filter((f) => readFileSync(f).includes(Buffer.from(needle)));
const fingerprint = (dir: string) => filesUnder(dir).sort().map((f) => `${f}:${createHash('sha256').update(readFileSync(f)).digest('hex')}`);

async function records(core: Core) {
  const out: unknown[] = [];
  for (const d of (await call(core, 'datanets.list', {})).items) {
    out.push(...(await call(core, 'datanets.listRecords', { datanetId: d.id, offset: 0, limit: 500 })).items.map((r) => [r.id, r.contentHash, r.contributor, r.status, r.content]));
    out.push(...(await call(core, 'datanets.listSnapshots', { datanetId: d.id })).items.map((s) => [s.id, s.root, s.recordCount]));
  }
  return out;
}

async function addCanary(core: Core, text: string) {
  const { id } = await call(core, 'datanets.create', { name: `notes ${text.slice(-6)}` });
  await call(core, 'datanets.addRecord', { datanetId: id, content: { kind: 'text', text: `Visit note: ${text} — follow up in two weeks.` } });
}

test('encrypted at rest: a canary record is in neither the database, its WAL nor a backup; a wrong passphrase is refused clearly and changes nothing', async (t) => {
  const home = tempDir(t);
  const ws = join(home, 'clinic');
  const core = open(t, ws);
  const plain = await call(core, 'vault.status', {});
  assert.deepEqual([plain.encrypted, plain.locked], [false, false]);
  await addCanary(core, CANARY);
  // The scan can see a canary: in a plaintext workspace it is right there.
  assert.ok(holding(filesUnder(ws), CANARY).length > 0, 'the plaintext database holds the canary (the scan works)');

  const tooShort = await core.call('vault.enable', { passphrase: 'short' });
  assert.equal(tooShort.ok, false);
  assert.match(!tooShort.ok ? tooShort.error.message : '', /passphrase: must be at least 10 characters/);

  const enabled = await call(core, 'vault.enable', { passphrase: PASSPHRASE, idleLockMinutes: 0 });
  assert.equal(enabled.encrypted, true);
  assert.equal(enabled.locked, false);
  assert.ok(!isPlaintextDatabase(join(ws, 'studio.db')));
  // Written after encryption: lands in the (encrypted) WAL first.
  const LATER = `${CANARY}-written-after`;
  await addCanary(core, LATER);
  assert.ok(statSync(join(ws, 'studio.db-wal')).size > 0, 'the WAL holds the later write while the core is open');
  assert.deepEqual(holding(filesUnder(ws), CANARY), [], 'no workspace file holds either canary, WAL included');

  const backupDir = join(home, 'backup');
  const report = await jobResult<BackupReport>(core, call(core, 'backup.create', { destination: backupDir }));
  assert.equal(report.ok, true, report.problems.join('; '));
  assert.equal(report.manifest!.encrypted?.keyId.length, 64);
  assert.deepEqual(holding(filesUnder(backupDir), CANARY), [], 'no backup file holds either canary');
  const before = await records(core);
  assert.equal(before.length, 2, "both canary records");
  const entries = (await call(core, 'audit.listEntries', { offset: 0, limit: 10 })).items.map((e) => e.action);
  assert.ok(entries.includes('workspace.encrypted'), 'turning encryption on is in the audit log');
  await core.close();

  // Reopened: locked, and everything but vault.* says so.
  const again = open(t, ws);
  assert.equal((await call(again, 'vault.status', {})).locked, true);
  const refused = await again.call('datanets.list', {});
  assert.deepEqual(refused.ok ? null : refused.error.code, 'LOCKED');

  const untouched = fingerprint(ws);
  const wrong = await again.call('vault.unlock', { passphrase: 'incorrect horse battery staple' });
  assert.equal(wrong.ok, false);
  assert.equal(!wrong.ok && wrong.error.code, 'UNAUTHORIZED');
  assert.match(!wrong.ok ? wrong.error.message : '', /^Wrong passphrase: the workspace stays locked and nothing was changed\.$/);
  assert.deepEqual(fingerprint(ws), untouched, 'a wrong passphrase changed no file');
  assert.equal((await call(again, 'vault.status', {})).locked, true);

  await call(again, 'vault.unlock', { passphrase: PASSPHRASE });
  assert.deepEqual(await records(again), before, 'every record and snapshot reads back after unlocking');

  // Locking closes the database and forgets the key; the calls that follow are refused again.
  const locked = await call(again, 'vault.lock', {});
  assert.equal(locked.locked, true);
  assert.equal((await again.call('datanets.list', {})).ok, false);

  // Changing the passphrase: the current one is checked, the old one stops working, the data stays.
  const badChange = await again.call('vault.changePassphrase', { current: 'not it at all', next: 'a new passphrase here' });
  assert.equal(!badChange.ok && badChange.error.code, 'UNAUTHORIZED');
  await call(again, 'vault.changePassphrase', { current: PASSPHRASE, next: 'a new passphrase here' });
  assert.equal((await again.call('vault.unlock', { passphrase: PASSPHRASE })).ok, false);
  await call(again, 'vault.unlock', { passphrase: 'a new passphrase here' });
  assert.deepEqual(await records(again), before);
  await again.close();

  // Restore the encrypted backup through the CLI: it needs the passphrase of the time it was taken.
  const restoredWs = join(home, 'restored');
  const passFile = join(home, 'pass.txt');
  writeFileSync(passFile, 'a new passphrase here\n');
  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli([...args, '--json'], { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false });
    return { code, text: out.join('\n') + err.join('\n') };
  };
  const noPass = await cli(['backup', 'restore', backupDir, '--workspace', restoredWs]);
  assert.equal(noPass.code, 1);
  assert.match(noPass.text, /encrypted backup: give the passphrase/);
  const wrongPass = await cli(['backup', 'restore', backupDir, '--workspace', restoredWs, '--passphrase-file', passFile]);
  assert.equal(wrongPass.code, 1, 'the backup carries the vault file of its time: the later passphrase does not open it');
  assert.match(wrongPass.text, /Wrong passphrase/);
  assert.ok(!existsSync(join(restoredWs, 'studio.db')), 'nothing was restored');
  writeFileSync(passFile, `${PASSPHRASE}\n`);
  // Checked from another (plaintext) workspace: the backup's own passphrase lets its database be checked.
  const elsewhere = join(home, 'elsewhere');
  const unchecked = await cli(['backup', 'verify', backupDir, '--workspace', elsewhere]);
  assert.equal(unchecked.code, 1);
  assert.match(unchecked.text, /encrypted, and no key was given/);
  const checked = await cli(['backup', 'verify', backupDir, '--workspace', elsewhere, '--backup-passphrase-file', passFile]);
  assert.equal(checked.code, 0, checked.text);
  const restored = await cli(['backup', 'restore', backupDir, '--workspace', restoredWs, '--passphrase-file', passFile]);
  assert.equal(restored.code, 0, restored.text);
  assert.deepEqual(holding(filesUnder(restoredWs), CANARY), []);
  // The CLI unlocks a restored (encrypted) workspace with the same option, and refuses without it.
  const listed = await cli(['datanet', 'list', '--workspace', restoredWs, '--passphrase-file', passFile]);
  assert.equal(listed.code, 0, listed.text);
  assert.match(listed.text, /notes/);
  const lockedCli = await cli(['datanet', 'list', '--workspace', restoredWs]);
  assert.equal(lockedCli.code, 1);
  assert.match(lockedCli.text, /"code":"LOCKED".*passphrase-file/);
  const statusCli = await cli(['vault', 'status', '--workspace', restoredWs]);
  assert.equal(statusCli.code, 0, 'vault status answers without the passphrase');
  assert.match(statusCli.text, /"encrypted": true,\s*"locked": true/);
});

test('an existing plaintext workspace is migrated with every record, snapshot root and the audit chain intact', async (t) => {
  const ws = tempDir(t);
  const core = open(t, ws);
  await factsSnapshot(core);
  const before = await records(core);
  await call(core, 'vault.enable', { passphrase: PASSPHRASE, idleLockMinutes: 0 });
  assert.deepEqual(await records(core), before);
  const chain = await jobResult<{ ok: boolean }>(core, call(core, 'audit.verifyChain', {}));
  assert.equal(chain.ok, true);
  assert.ok(!readdirSync(ws).some((n) => n.includes('encrypting')), 'no temp copy is left behind');
  const twice = await core.call('vault.enable', { passphrase: PASSPHRASE });
  assert.match(!twice.ok ? twice.error.message : '', /already encrypted/);
});

test('encrypting a database another process has open is refused, changes nothing and loses nothing', async (t) => {
  const ws = tempDir(t);
  const core = open(t, ws);
  await addCanary(core, CANARY);
  // Another process (the desktop app, a CLI command) with the database open and its latest write still in the WAL.
  const other = new Database(join(ws, 'studio.db'));
  t.after(() => other.close());
  other.exec('BEGIN');
  other.prepare('SELECT count(*) FROM records').get(); // a read transaction: the WAL cannot be folded in past it
  await addCanary(core, `${CANARY}-second`);
  const before = await records(core);
  const refused = await core.call('vault.enable', { passphrase: PASSPHRASE, idleLockMinutes: 0 });
  assert.equal(!refused.ok && refused.error.code, 'CONFLICT');
  assert.match(!refused.ok ? refused.error.message : '', /studio\.db is open elsewhere .* Nothing was changed\.$/);
  assert.equal(existsSync(join(ws, 'vault.json')), false);
  assert.ok(isPlaintextDatabase(join(ws, 'studio.db')));
  assert.deepEqual((await call(core, 'vault.status', {})).encrypted, false);
  assert.deepEqual(await records(core), before, 'the workspace is open again with every record');
  other.close();
  await call(core, 'vault.enable', { passphrase: PASSPHRASE, idleLockMinutes: 0 });
  assert.deepEqual(await records(core), before, 'once the other process is gone, encryption keeps both records');
});

test('a crash between writing the vault file and replacing the database is finished by the next unlock', async (t) => {
  const ws = tempDir(t);
  const first = open(t, ws);
  await addCanary(first, CANARY);
  const before = await records(first);
  await first.close();
  // The state enable leaves if it dies right after saving the vault file: the key wrapped, the database still plaintext.
  const key = Buffer.alloc(32, 7);
  writeVaultFile(join(ws, 'vault.json'), { format: 1, cipher: 'sqlcipher-4', keyId: keyId(key), wrap: await wrapKey(key, PASSPHRASE, VAULT), idleLockMinutes: 0, keyring: null, createdAt: new Date().toISOString() });
  assert.ok(isPlaintextDatabase(join(ws, 'studio.db')));
  const core = open(t, ws);
  assert.equal((await call(core, 'vault.status', {})).locked, true);
  await call(core, 'vault.unlock', { passphrase: PASSPHRASE });
  assert.ok(!isPlaintextDatabase(join(ws, 'studio.db')), 'the unlock finished the encryption');
  assert.deepEqual(await records(core), before);
  await core.close();
  assert.deepEqual(holding(filesUnder(ws), CANARY), []);
});

test('the workspace locks itself after the idle time; 0 minutes means never', async (t) => {
  const ws = tempDir(t);
  // A "minute" of 40 ms, checked every 10 ms: the same timer logic, on a test's time scale.
  const core = open(t, ws, { ...VAULT, idleClock: { minuteMs: 40, checkEveryMs: 10 } });
  await call(core, 'vault.enable', { passphrase: PASSPHRASE, idleLockMinutes: 0 });
  await new Promise((r) => setTimeout(r, 150));
  assert.equal((await call(core, 'vault.status', {})).locked, false, 'idle lock 0 means never');
  const events: string[] = [];
  core.onEvent((name, payload) => { if (name === 'vault.changed') events.push((payload as { change: string }).change); });
  const set = await call(core, 'vault.setIdleLock', { minutes: 2 });
  assert.equal(set.idleLockMinutes, 2);
  await call(core, 'vault.lock', {});
  const whileLocked = await core.call('vault.setIdleLock', { minutes: 0 });
  assert.equal(!whileLocked.ok && whileLocked.error.code, 'LOCKED', 'nobody at a locked screen can turn the idle lock off');
  await call(core, 'vault.unlock', { passphrase: PASSPHRASE });
  assert.equal(set.idleLockMinutes, 2);
  const started = Date.now();
  while (!events.includes('idleLocked') && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 20));
  assert.ok(events.includes('idleLocked'), `locked itself (events: ${events.join(', ')})`);
  const status = (await core.call('vault.status', {})) as { ok: true; value: VaultStatus };
  assert.equal(status.value.locked, true);
  // Plaintext workspaces have nothing to lock, and say so.
  const plain = open(t, tempDir(t));
  const refused = await plain.call('vault.lock', {});
  assert.match(!refused.ok ? refused.error.message : '', /not encrypted/);
});

/**
 * A stand-in for the OS keychain (Electron safeStorage in the desktop app's main process): no
 * keychain exists on a build machine, so this is the one faked part. It encrypts with a key of its
 * own "computer account", as safeStorage does, so another account's keychain cannot open its blobs.
 */
function fakeKeychain(account: string, available = true): OsKeyring & { calls: string[] } {
  const secret = createHash('sha256').update(`keychain of ${account}`).digest();
  const calls: string[] = [];
  return {
    available,
    note: available ? `fake keychain of ${account}` : 'no secret service',
    calls,
    async encrypt(data) {
      calls.push('encrypt');
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', secret, iv);
      const body = Buffer.concat([c.update(data), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
    },
    async decrypt(blob) {
      calls.push('decrypt');
      const raw = Buffer.from(blob, 'base64');
      const d = createDecipheriv('aes-256-gcm', secret, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]);
    },
  };
}

test('the OS keychain as a second wrapping: unlocks at start on the same account, never on another, refused where there is none', async (t) => {
  const ws = tempDir(t);
  const mine = fakeKeychain('alice');
  const core = open(t, ws, { ...VAULT, keyring: mine });
  await addCanary(core, CANARY);
  await call(core, 'vault.enable', { passphrase: PASSPHRASE, idleLockMinutes: 0 });
  assert.deepEqual((await call(core, 'vault.status', {})).keyring, { available: true, enabled: false, note: 'fake keychain of alice' });
  const on = await call(core, 'vault.setKeyring', { enabled: true });
  assert.equal(on.keyring.enabled, true);
  const stored = JSON.parse(readFileSync(join(ws, 'vault.json'), 'utf8')) as { keyring: { blob: string } };
  assert.ok(stored.keyring.blob.length > 40);
  await core.close();
  assert.deepEqual(holding(filesUnder(ws), CANARY), []);

  // Same account: unlocked at start without the passphrase.
  const again = open(t, ws, { ...VAULT, keyring: fakeKeychain('alice') });
  const started = Date.now();
  while ((await call(again, 'vault.status', {})).locked && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await call(again, 'vault.status', {})).locked, false, 'the keychain opened the workspace');
  assert.equal((await call(again, 'datanets.list', {})).items.length, 1);
  await again.close();

  // Another account's keychain cannot open the blob: the workspace stays locked, the passphrase still works.
  const other = fakeKeychain('mallory');
  const elsewhere = open(t, ws, { ...VAULT, keyring: other });
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(other.calls, ['decrypt']);
  assert.equal((await call(elsewhere, 'vault.status', {})).locked, true);
  await call(elsewhere, 'vault.unlock', { passphrase: PASSPHRASE });
  await elsewhere.close();

  // Where there is no real keychain (Linux's plaintext fallback), it is refused with the reason, and nothing is asked of it.
  const none = fakeKeychain('alice', false);
  const plain = open(t, ws, { ...VAULT, keyring: none });
  assert.equal((await call(plain, 'vault.status', {})).locked, true, 'an unavailable keychain is not even tried');
  await call(plain, 'vault.unlock', { passphrase: PASSPHRASE });
  const refused = await plain.call('vault.setKeyring', { enabled: true });
  assert.deepEqual(refused.ok ? null : refused.error, { code: 'NOT_AVAILABLE', message: 'no secret service' });
  assert.deepEqual(none.calls, []);
  // Turning it off removes the blob.
  await call(plain, 'vault.setKeyring', { enabled: false });
  assert.equal((JSON.parse(readFileSync(join(ws, 'vault.json'), 'utf8')) as { keyring: unknown }).keyring, null);
  await plain.close();

  // A key rotation: the keychain's copy follows the new key; a keychain that fails then is dropped, not a blocker.
  const rotating = open(t, ws, { ...VAULT, keyring: fakeKeychain('alice') });
  await call(rotating, 'vault.unlock', { passphrase: PASSPHRASE });
  await call(rotating, 'vault.setKeyring', { enabled: true });
  await call(rotating, 'vault.changePassphrase', { current: PASSPHRASE, next: PASSPHRASE, rotateKey: true });
  await rotating.close();
  const followed = open(t, ws, { ...VAULT, keyring: fakeKeychain('alice') });
  const since = Date.now();
  while ((await call(followed, 'vault.status', {})).locked && Date.now() - since < 5000) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await call(followed, 'vault.status', {})).locked, false, 'the keychain holds the new key');
  await followed.close();
  const broken = { ...fakeKeychain('alice'), encrypt: () => Promise.reject(new Error('keychain locked')) };
  const failing = open(t, ws, { ...VAULT, keyring: broken });
  await call(failing, 'vault.unlock', { passphrase: PASSPHRASE });
  const rotated = await call(failing, 'vault.changePassphrase', { current: PASSPHRASE, next: PASSPHRASE, rotateKey: true });
  assert.deepEqual([rotated.locked, rotated.keyring.enabled], [false, false], 'rotated, and the stale keychain copy dropped');
  assert.equal((await call(failing, 'datanets.list', {})).items.length, 1);
});

test('replacing the key rewrites the database under a new one: an old vault file with the old passphrase no longer opens it', async (t) => {
  const home = tempDir(t);
  const ws = join(home, 'clinic');
  const core = open(t, ws);
  await addCanary(core, CANARY);
  await call(core, 'vault.enable', { passphrase: PASSPHRASE, idleLockMinutes: 0 });
  const before = await records(core);
  const oldVault = readFileSync(join(ws, 'vault.json'));
  const oldKeyId = (await jobResult<BackupReport>(core, call(core, 'backup.create', { destination: join(home, 'backup') }))).manifest!.encrypted!.keyId;

  // A rotation needs the workspace open: the database is rewritten through it.
  await call(core, 'vault.lock', {});
  const locked = await core.call('vault.changePassphrase', { current: PASSPHRASE, next: 'a rotated passphrase', rotateKey: true });
  assert.equal(!locked.ok && locked.error.code, 'LOCKED');
  await call(core, 'vault.unlock', { passphrase: PASSPHRASE });

  await call(core, 'vault.changePassphrase', { current: PASSPHRASE, next: 'a rotated passphrase', rotateKey: true });
  assert.deepEqual(await records(core), before, 'every record and snapshot reads back at once under the new key');
  const newKeyId = JSON.parse(readFileSync(join(ws, 'vault.json'), 'utf8')).keyId as string;
  assert.notEqual(newKeyId, oldKeyId);
  const audit = (await call(core, 'audit.listEntries', { offset: 0, limit: 5 })).items.map((e) => e.action);
  assert.ok(audit.includes('workspace.keyRotated'));
  assert.deepEqual(holding(filesUnder(ws), CANARY), [], 'still no canary on disk');
  await core.close();

  // The leaked-passphrase case: the old vault file and the old passphrase give the old key, which opens nothing now.
  const copy = join(home, 'thief');
  mkdirSync(copy);
  writeFileSync(join(copy, 'vault.json'), oldVault);
  writeFileSync(join(copy, 'studio.db'), readFileSync(join(ws, 'studio.db')));
  const thief = open(t, copy);
  const opened = await thief.call('vault.unlock', { passphrase: PASSPHRASE });
  assert.equal(opened.ok, false, 'the old key does not read the rewritten database');
  assert.match(!opened.ok ? opened.error.message : '', /cannot be read with this workspace's key/);
  await thief.close();
  // The same copied file opens with the current vault file and passphrase: it was the key that failed, not the copy.
  writeFileSync(join(copy, 'vault.json'), readFileSync(join(ws, 'vault.json')));
  const owner = open(t, copy);
  await call(owner, 'vault.unlock', { passphrase: 'a rotated passphrase' });
  assert.deepEqual(await records(owner), before);
  await owner.close();

  const again = open(t, ws);
  assert.equal((await again.call('vault.unlock', { passphrase: PASSPHRASE })).ok, false);
  await call(again, 'vault.unlock', { passphrase: 'a rotated passphrase' });
  assert.deepEqual(await records(again), before);
  await again.close();
  // The backup taken before keeps its own key and passphrase.
  const verified = await runCli(['backup', 'verify', join(home, 'backup'), '--workspace', join(home, 'checker'), '--backup-passphrase-file', passFileWith(home, PASSPHRASE), '--json'], { out: () => {}, err: () => {}, isTty: false });
  assert.equal(verified, 0);
});

test('a key rotation cut short is resolved by the next unlock, whichever key the database was left under', async (t) => {
  const cases = [
    { rewritten: false, next: 'the next passphrase' },
    { rewritten: true, next: 'the next passphrase' },
    // The passphrase kept, only the key replaced: the one passphrase must still find the key the database is under.
    { rewritten: true, next: PASSPHRASE },
  ];
  for (const { rewritten, next } of cases) {
    const ws = tempDir(t);
    const core = open(t, ws);
    await addCanary(core, CANARY);
    await call(core, 'vault.enable', { passphrase: PASSPHRASE, idleLockMinutes: 0 });
    const before = await records(core);
    await core.close();
    // The state rotate leaves if it dies after recording the new key: the database rewritten under it, or not yet.
    const vault = JSON.parse(readFileSync(join(ws, 'vault.json'), 'utf8')) as Parameters<typeof writeVaultFile>[1];
    const oldKey = await unwrapKey(vault as { keyId: string; wrap: Parameters<typeof unwrapKey>[0]['wrap'] }, PASSPHRASE);
    const newKey = randomBytes(32);
    writeVaultFile(join(ws, 'vault.json'), { ...vault, pending: { keyId: keyId(newKey), wrap: await wrapKey(newKey, next, VAULT) } });
    if (rewritten) rewriteDatabaseKey(join(ws, 'studio.db'), { from: oldKey, to: newKey });

    const reopened = open(t, ws);
    const [wrongOne, rightOne] = rewritten ? [PASSPHRASE, next] : [next, PASSPHRASE];
    if (wrongOne !== rightOne) {
      const refused = await reopened.call('vault.unlock', { passphrase: wrongOne });
      assert.equal(refused.ok, false);
      assert.match(!refused.ok ? refused.error.message : '', rewritten ? /unlock with the new passphrase to finish it/ : /previous passphrase still opens this workspace/);
      assert.notEqual(JSON.parse(readFileSync(join(ws, 'vault.json'), 'utf8')).pending, null, 'a refused unlock drops nothing');
    }
    const wrong = await reopened.call('vault.unlock', { passphrase: 'neither passphrase at all' });
    assert.match(!wrong.ok ? wrong.error.message : '', /^Wrong passphrase/);
    await call(reopened, 'vault.unlock', { passphrase: rightOne });
    assert.deepEqual(await records(reopened), before, `rewritten=${rewritten}, next=${next}: every record reads back`);
    const settled = JSON.parse(readFileSync(join(ws, 'vault.json'), 'utf8')) as { keyId: string; pending: unknown };
    assert.deepEqual([settled.keyId, settled.pending], [keyId(rewritten ? newKey : oldKey), null], 'the vault names the key the database is under, nothing pending');
    await reopened.close();
    const third = open(t, ws);
    await call(third, 'vault.unlock', { passphrase: rightOne });
    await third.close();
  }
});

function passFileWith(dir: string, passphrase: string): string {
  const f = join(dir, `pass-${randomBytes(4).toString('hex')}.txt`);
  writeFileSync(f, `${passphrase}\n`);
  return f;
}
