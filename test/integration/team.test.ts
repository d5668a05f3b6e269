import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { request } from 'node:https';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3-multiple-ciphers';
import WebSocket from 'ws';
import { METHOD_NAMES } from '../../electron/shared/contract';
import type { ServerFrame } from '../../electron/shared/transport';
import { loadMigrations } from '../../electron/core/db/migrations';
import { openDatabase } from '../../electron/core/db/open';
import { bindRefusal, isLoopback } from '../../electron/core/host/bind-policy';
import { startUiServer, type UiServer } from '../../electron/core/host/ui-server';
import { AccountStore } from '../../electron/core/team/accounts';
import { METHOD_POLICY, mayCall } from '../../electron/shared/team-policy';
import { LoginLimiter, SessionStore } from '../../electron/core/team/sessions';
import { runCli } from '../../electron/core/cli/run';
import { REPO_ROOT, call, tempDir, testCore } from '../helpers/workspace';

const CHEAP = { N: 2 ** 10, r: 8, p: 1 };
const PASSWORD = 'correct horse battery';
const CORA = '0x' + 'c0'.repeat(20);
const CARL = '0x' + 'ca'.repeat(20);

test('migration 12 → 13 adds team_accounts and keeps the data; contributors need an address', (t) => {
  const file = join(tempDir(t), 'studio.db');
  const v12 = openDatabase(file, { migrations: loadMigrations().slice(0, 12) });
  v12.prepare(`INSERT INTO datanets (id, name, created_at, updated_at) VALUES ('dn_0000000000000001', 'kept', 'now', 'now')`).run();
  assert.equal((v12.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE name = 'team_accounts'`).get() as { n: number }).n, 0);
  v12.close();
  const db = openDatabase(file, { migrations: loadMigrations().slice(0, 13) });
  t.after(() => db.close());
  assert.equal(db.pragma('user_version', { simple: true }), 13);
  assert.equal((db.prepare('SELECT name FROM datanets').get() as { name: string }).name, 'kept');
  const insert = db.prepare(`INSERT INTO team_accounts (name, role, address, password_hash, created_at) VALUES (?, ?, ?, 'x', 'now')`);
  assert.throws(() => insert.run('c', 'contributor', null), /CHECK/);
  assert.throws(() => insert.run('k', 'king', null), /CHECK/);
  insert.run('r', 'reviewer', null);
});

test('accounts: scrypt hashes with a salt each, wrong passwords and names fail alike, the last owner stays', async (t) => {
  const db = openDatabase(join(tempDir(t), 'studio.db'));
  t.after(() => db.close());
  const accounts = new AccountStore(db, CHEAP);
  await accounts.add({ name: 'olivia', role: 'owner', password: PASSWORD });
  await accounts.add({ name: 'rui', role: 'reviewer', password: PASSWORD });
  await assert.rejects(accounts.add({ name: 'cora', role: 'contributor', password: PASSWORD }), /contributor needs an address/);
  await assert.rejects(accounts.add({ name: 'x', role: 'reviewer', password: 'short' }), /at least 12/);
  await assert.rejects(accounts.add({ name: 'rui', role: 'reviewer', password: PASSWORD }), /already an account/);
  const hashes = db.prepare('SELECT password_hash AS h FROM team_accounts').all() as { h: string }[];
  assert.notEqual(hashes[0]!.h, hashes[1]!.h, 'same password, different salts');
  assert.ok(hashes.every((r) => r.h.startsWith('scrypt$') && !r.h.includes(PASSWORD)));
  assert.equal((await accounts.verify('rui', PASSWORD))?.role, 'reviewer');
  assert.equal(await accounts.verify('rui', `${PASSWORD}!`), null);
  assert.equal(await accounts.verify('nobody', PASSWORD), null);
  assert.throws(() => accounts.remove('olivia'), /last owner/);
  accounts.remove('rui');
  assert.deepEqual(accounts.list().map((a) => a.name), ['olivia']);
});

test('every contract method has a policy entry; non-owners are denied by default', () => {
  assert.deepEqual(Object.keys(METHOD_POLICY).sort(), [...METHOD_NAMES].sort());
  for (const m of METHOD_NAMES) assert.ok(mayCall('owner', m), m);
  assert.equal(mayCall('reviewer', 'datanets.delete'), false);
  assert.equal(mayCall('reviewer', 'datanets.review'), true);
  assert.equal(mayCall('reviewer', 'proposals.syncChain'), false, 'reading the chain can start the devnet');
  for (const m of METHOD_NAMES.filter((n) => /^(wallet|chain|vault|backup|rewards)\./.test(n) && n !== 'vault.status')) {
    assert.equal(mayCall('reviewer', m), false, m);
    assert.equal(mayCall('contributor', m), false, m);
  }
  const contributor = METHOD_NAMES.filter((m) => mayCall('contributor', m)).sort();
  assert.deepEqual(contributor, ['app.getInfo', 'datanets.addRecord', 'datanets.get', 'datanets.getRecord', 'datanets.list', 'datanets.listRecords', 'team.me', 'vault.status']);
});

test('binding beyond loopback is refused without TLS, and without an owner account', async (t) => {
  assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('localhost') && !isLoopback('0.0.0.0') && !isLoopback('10.1.2.3'));
  assert.equal(bindRefusal({ host: '127.0.0.1', team: null }), null);
  assert.match(bindRefusal({ host: '0.0.0.0', team: null })!, /without TLS/);
  assert.match(bindRefusal({ host: '10.1.2.3', team: { hasCert: true, hasKey: false, hasOwner: true } })!, /--tls-key/);
  assert.match(bindRefusal({ host: '10.1.2.3', team: { hasCert: true, hasKey: true, hasOwner: false } })!, /owner/);

  const core = testCore(t);
  const rendererDir = tempDir(t);
  await assert.rejects(startUiServer({ core, rendererDir, host: '0.0.0.0' }), /refusing to listen on 0\.0\.0\.0.*without TLS/);
  const db = openDatabase(core.paths.db);
  t.after(() => db.close());
  const accounts = new AccountStore(db, CHEAP);
  const { cert, key } = selfSigned(t);
  await assert.rejects(startUiServer({ core, rendererDir, team: { host: '0.0.0.0', publicNames: ['studio.lab'], tls: { cert, key }, accounts } }), /at least one owner/);

  // The real command: refused before it opens the workspace or listens.
  const ws = tempDir(t);
  const serve = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/core/bin/serve.ts'), '--workspace', ws, ...args], { encoding: 'utf8', cwd: REPO_ROOT, timeout: 60_000 });
  const plain = serve(['--host', '0.0.0.0']);
  assert.equal(plain.status, 2, plain.stderr);
  assert.match(plain.stderr, /refusing to listen on 0\.0\.0\.0/);
  assert.doesNotMatch(plain.stdout, /running/);
  const certFile = join(ws, '..', `${ws.split('/').pop()}-cert.pem`);
  const keyFile = `${certFile}.key`;
  writeFileSync(certFile, cert);
  writeFileSync(keyFile, key);
  t.after(() => spawnSync('rm', ['-f', certFile, keyFile]));
  const noOwner = serve(['--host', '0.0.0.0', '--public-name', 'studio.lab', '--tls-cert', certFile, '--tls-key', keyFile]);
  assert.equal(noOwner.status, 1, noOwner.stderr);
  assert.match(noOwner.stderr, /at least one owner/);
  assert.doesNotMatch(noOwner.stdout, /running/);
});

test('cli team add-user / list-users / remove-user (password from a file, never argv)', async (t) => {
  const ws = tempDir(t);
  const pw = join(tempDir(t), 'pw');
  writeFileSync(pw, `${PASSWORD}\n`);
  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli([...args, '--workspace', ws, '--json'], { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false });
    return { code, value: JSON.parse(out.join('\n') || 'null') as Record<string, unknown>, err: err.join('\n') };
  };
  assert.equal((await cli(['team', 'add-user', '--name', 'olivia', '--role', 'owner', '--password-file', pw])).code, 0);
  const noAddress = await cli(['team', 'add-user', '--name', 'cora', '--role', 'contributor', '--password-file', pw]);
  assert.equal(noAddress.code, 1);
  assert.match(JSON.stringify(noAddress.value), /needs an address/);
  const cora = await cli(['team', 'add-user', '--name', 'cora', '--role', 'contributor', '--address', CORA.toUpperCase().replace('0X', '0x'), '--password-file', pw]);
  assert.equal(cora.code, 0);
  assert.equal(cora.value.address, CORA);
  const listed = await cli(['team', 'list-users']);
  assert.deepEqual((listed.value.items as { name: string }[]).map((a) => a.name), ['cora', 'olivia']);
  assert.doesNotMatch(JSON.stringify(listed.value), /scrypt|horse/);
  assert.equal((await cli(['team', 'remove-user', '--name', 'cora'])).code, 0);
  assert.equal((await cli(['team', 'remove-user', '--name', 'olivia'])).code, 1, 'the last owner stays');
  const db = new Database(join(ws, 'studio.db'), { readonly: true });
  t.after(() => db.close());
  const actions = (db.prepare(`SELECT action FROM audit_log WHERE action LIKE 'team.%' ORDER BY seq`).all() as { action: string }[]).map((r) => r.action);
  assert.deepEqual(actions, ['team.userAdded', 'team.userAdded', 'team.userRemoved']);
});

// --- the team server over HTTPS ---

function selfSigned(t: TestContext): { cert: Buffer; key: Buffer } {
  const dir = tempDir(t);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  return { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
}

interface Team {
  server: UiServer;
  cert: Buffer;
  accounts: AccountStore;
  host: string;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: string }>;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: string }>;
  connect(token: string | null, headers?: Record<string, string>): Promise<WebSocket | number>;
  login(name: string): Promise<string>;
}

async function teamServer(t: TestContext, limiter = new LoginLimiter()) {
  const core = testCore(t);
  const rendererDir = join(tempDir(t), 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Datanet Studio</title>');
  const db = openDatabase(core.paths.db);
  t.after(() => db.close());
  const accounts = new AccountStore(db, CHEAP);
  await accounts.add({ name: 'olivia', role: 'owner', password: PASSWORD });
  await accounts.add({ name: 'rui', role: 'reviewer', password: PASSWORD });
  await accounts.add({ name: 'cora', role: 'contributor', address: CORA, password: PASSWORD });
  const { cert, key } = selfSigned(t);
  const server = await startUiServer({ core, rendererDir, team: { host: '127.0.0.1', publicNames: ['localhost'], tls: { cert, key }, accounts, sessions: new SessionStore(), limiter } });
  t.after(() => server.close());
  const host = `localhost:${server.port}`;
  const tls = { ca: cert, servername: 'localhost' };
  const send = (method: string, path: string, body: string | null, headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, method, path, headers: { Host: host, ...headers }, ...tls }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += String(c)));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.end(body ?? undefined);
    });
  const team: Team = {
    server,
    cert,
    accounts,
    host,
    post: (path, body, headers = {}) => send('POST', path, JSON.stringify(body), { 'Content-Type': 'application/json', ...headers }),
    get: (path, headers = {}) => send('GET', path, null, headers),
    connect: (token, headers = {}) =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`wss://127.0.0.1:${server.port}/rpc${token === null ? '' : `?token=${token}`}`, { headers: { Host: host, ...headers }, ...tls });
        ws.once('open', () => resolve(ws));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
        ws.once('error', reject);
      }),
    async login(name) {
      const r = await team.post('/api/login', { name, password: PASSWORD });
      assert.equal(r.status, 200, r.body);
      return (JSON.parse(r.body) as { session: string }).session;
    },
  };
  return { core, team };
}

let nextId = 1;
async function rpc(ws: WebSocket, method: string, input: unknown) {
  const id = nextId++;
  const frame = await new Promise<ServerFrame & { type: 'result' }>((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const f = JSON.parse(String(data)) as ServerFrame;
      if (f.type === 'result' && f.id === id) {
        ws.off('message', onMessage);
        resolve(f);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'call', id, method, input }));
  });
  return frame.result;
}

async function socketFor(t: TestContext, team: Team, name: string) {
  const ws = await team.connect(await team.login(name));
  assert.ok(ws instanceof WebSocket, `${name} could not connect (${String(ws)})`);
  t.after(() => ws.close());
  return ws;
}

async function seed(core: Awaited<ReturnType<typeof teamServer>>['core']) {
  const dn = await call(core, 'datanets.create', { name: 'clinic notes' });
  const add = (text: string, contributor?: string) => call(core, 'datanets.addRecord', { datanetId: dn.id, content: { kind: 'text', text }, ...(contributor ? { contributor } : {}) });
  // No person names in the texts: a record naming someone is held back from approval as PII.
  return { dn, coras: await add('The first contributor wrote this.', CORA), carls: await add('The second contributor wrote this.', CARL), local: await add('The owner wrote this.') };
}

test('team server: HTTPS, sign-in, sessions instead of the launch token, Host and Origin checked', async (t) => {
  const { team } = await teamServer(t, new LoginLimiter(3));
  assert.match(team.server.url, /^https:\/\/localhost:\d+\/$/);
  assert.equal(team.server.openUrl, team.server.url, 'no token in the address');
  assert.deepEqual(JSON.parse((await team.get('/api/mode')).body), { mode: 'team' });
  assert.equal((await team.get('/')).status, 200);
  assert.equal((await team.get('/', { Host: 'evil.example' })).status, 403);
  assert.equal((await team.get('/', { Host: `127.0.0.1:${team.server.port}` })).status, 403, 'only the public name');
  assert.equal((await team.post('/api/login', { name: 'rui', password: PASSWORD }, { Origin: 'https://evil.example' })).status, 403);

  assert.equal(await team.connect(null), 401);
  assert.equal(await team.connect(team.server.token), 401, 'the launch token is not a session');
  const session = await team.login('rui');
  assert.equal(await team.connect(session, { Origin: 'https://evil.example' }), 403);
  const ws = await team.connect(session, { Origin: `https://${team.host}` });
  assert.ok(ws instanceof WebSocket);
  t.after(() => ws.close());
  assert.equal((await rpc(ws, 'app.getInfo', {})).ok, true);

  // Logging out ends the session for the open socket too.
  assert.equal((await team.post('/api/logout', {}, { Authorization: `Bearer ${session}` })).status, 204);
  const after = await rpc(ws, 'app.getInfo', {});
  assert.equal(after.ok, false);
  assert.match(JSON.stringify(after), /UNAUTHORIZED.*sign in again/);
  assert.equal(await team.connect(session), 401);

  // Wrong credentials: one generic answer, then a pause for this client even with the right password.
  const wrongPassword = await team.post('/api/login', { name: 'rui', password: 'nope' });
  const wrongName = await team.post('/api/login', { name: 'nobody', password: PASSWORD });
  assert.equal(wrongPassword.status, 401);
  assert.equal(wrongName.body, wrongPassword.body);
  assert.equal((await team.post('/api/login', { name: 'rui', password: 'again' })).status, 401);
  const limited = await team.post('/api/login', { name: 'rui', password: PASSWORD });
  assert.equal(limited.status, 429);
});

test('team server: a reviewer reviews but cannot delete a datanet; audit entries name the user', async (t) => {
  const { core, team } = await teamServer(t);
  const { dn, coras } = await seed(core);
  const ws = await socketFor(t, team, 'rui');
  const all = await rpc(ws, 'datanets.listRecords', { datanetId: dn.id });
  assert.ok(all.ok);
  assert.equal((all.value as { total: number }).total, 3);

  const del = await rpc(ws, 'datanets.delete', { id: dn.id, confirmName: dn.name });
  assert.equal(del.ok, false);
  assert.match(JSON.stringify(del), /UNAUTHORIZED.*datanets\.delete is not allowed for a reviewer/);
  assert.equal((await call(core, 'datanets.get', { id: dn.id })).name, 'clinic notes', 'still there');
  for (const m of ['wallet.status', 'chain.status', 'backup.create', 'vault.lock', 'attribution.setSettings']) {
    assert.equal((await rpc(ws, m, {})).ok, false, m);
  }

  const reviewed = await rpc(ws, 'datanets.review', { datanetId: dn.id, recordIds: [coras.id], decision: 'approve' });
  assert.ok(reviewed.ok, JSON.stringify(reviewed));
  const entries = (await call(core, 'audit.listEntries', {})).items;
  const review = entries.find((e) => e.action === 'review.approve');
  assert.ok(review, entries.map((e) => e.action).join(', '));
  assert.equal(review.actor, 'team:rui');
  assert.ok(entries.filter((e) => e.action === 'datanet.create').every((e) => e.actor === 'local'), 'single-user calls keep the local actor');
});

test('team server: a contributor sees and adds only their own records', async (t) => {
  const { core, team } = await teamServer(t);
  const { dn, coras, carls, local } = await seed(core);
  const ws = await socketFor(t, team, 'cora');
  const mine = await rpc(ws, 'datanets.listRecords', { datanetId: dn.id });
  assert.ok(mine.ok);
  assert.deepEqual((mine.value as { items: { id: string }[] }).items.map((r) => r.id), [coras.id]);
  const asCarl = await rpc(ws, 'datanets.listRecords', { datanetId: dn.id, contributor: CARL });
  assert.match(JSON.stringify(asCarl), /UNAUTHORIZED/);
  assert.ok((await rpc(ws, 'datanets.getRecord', { id: coras.id })).ok);
  for (const other of [carls, local]) assert.match(JSON.stringify(await rpc(ws, 'datanets.getRecord', { id: other.id })), /NOT_FOUND/);

  const added = await rpc(ws, 'datanets.addRecord', { datanetId: dn.id, content: { kind: 'text', text: 'More from Cora.' } });
  assert.ok(added.ok, JSON.stringify(added));
  assert.equal((added.value as { contributor: string }).contributor, CORA);
  assert.match(JSON.stringify(await rpc(ws, 'datanets.addRecord', { datanetId: dn.id, content: { kind: 'text', text: 'As Carl' }, contributor: CARL })), /UNAUTHORIZED/);
  for (const m of ['datanets.delete', 'datanets.review', 'audit.listEntries', 'jobs.list', 'wallet.status']) {
    assert.match(JSON.stringify(await rpc(ws, m, { id: dn.id, confirmName: dn.name, datanetId: dn.id, decision: 'approve' })), /UNAUTHORIZED/, m);
  }
  const entry = (await call(core, 'audit.listEntries', {})).items.find((e) => e.action === 'record.add' && e.actor === 'team:cora');
  assert.ok(entry, 'the added record is audited under cora');

  // Removing the account ends its session at the next call.
  team.accounts.remove('cora');
  assert.match(JSON.stringify(await rpc(ws, 'datanets.list', {})), /UNAUTHORIZED/);
});

test('team mode on an encrypted workspace: accounts and the server need the passphrase; sign-in then reaches the unlocked app', async (t) => {
  const ws = tempDir(t);
  const secrets = tempDir(t);
  const file = (name: string, text: string) => {
    writeFileSync(join(secrets, name), `${text}\n`);
    return join(secrets, name);
  };
  const passphraseFile = file('passphrase', 'clinic vault passphrase');
  const wrongFile = file('wrong', 'not the passphrase at all');
  const pw = file('pw', PASSWORD);
  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli([...args, '--workspace', ws], { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  assert.equal((await cli(['vault', 'enable', '--new-passphrase-file', passphraseFile])).code, 0);

  // The accounts live in the encrypted database: no passphrase, or a wrong one, adds nobody.
  const locked = await cli(['team', 'add-user', '--name', 'olivia', '--role', 'owner', '--password-file', pw]);
  assert.equal(locked.code, 1);
  assert.match(locked.err, /The workspace is encrypted: give its passphrase with --passphrase-file/);
  const wrong = await cli(['team', 'add-user', '--name', 'olivia', '--role', 'owner', '--password-file', pw, '--passphrase-file', wrongFile]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /Wrong passphrase/);
  const added = await cli(['team', 'add-user', '--name', 'olivia', '--role', 'owner', '--password-file', pw, '--passphrase-file', passphraseFile]);
  assert.equal(added.code, 0, added.err);
  assert.ok(!readFileSync(join(ws, 'studio.db')).includes('olivia'), 'the account name is not in the database file in the clear');
  const reviewer = await cli(['team', 'add-user', '--name', 'rui', '--role', 'reviewer', '--password-file', pw, '--passphrase-file', passphraseFile]);
  assert.equal(reviewer.code, 0, reviewer.err);
  const listed = await cli(['team', 'list-users', '--passphrase-file', passphraseFile]);
  assert.match(listed.out, /olivia +owner/);

  const { cert, key } = selfSigned(t);
  const certFile = file('cert.pem', cert.toString());
  const keyFile = file('key.pem', key.toString());
  const serveArgs = ['--import', 'tsx', join(REPO_ROOT, 'electron/core/bin/serve.ts'), '--workspace', ws, '--host', '127.0.0.1', '--public-name', 'localhost', '--tls-cert', certFile, '--tls-key', keyFile];
  const refused = spawnSync(process.execPath, serveArgs, { encoding: 'utf8', cwd: REPO_ROOT, timeout: 60_000, env: { ...process.env, DATANET_STUDIO_PASSPHRASE: '' } });
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /The workspace is encrypted: give its passphrase with --passphrase-file/);
  assert.doesNotMatch(refused.stdout, /running/);

  // With the passphrase: the server starts unlocked, and the owner signs in and reads the workspace.
  const child = spawn(process.execPath, [...serveArgs, '--passphrase-file', passphraseFile], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM')))));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      const m = /open:\s+https:\/\/localhost:(\d+)\//.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.stderr.on('data', (d: Buffer) => (out += String(d)));
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
  });
  const tls = { ca: cert, servername: 'localhost' };
  const signIn = async (name: string) => {
    const login = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/login', headers: { Host: `localhost:${port}`, 'Content-Type': 'application/json' }, ...tls }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += String(c)));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ name, password: PASSWORD }));
    });
    assert.equal(login.status, 200, login.body);
    const session = (JSON.parse(login.body) as { session: string }).session;
    const socket = await new Promise<WebSocket>((resolve, reject) => {
      const s = new WebSocket(`wss://127.0.0.1:${port}/rpc?token=${session}`, { headers: { Host: `localhost:${port}` }, ...tls });
      s.once('open', () => resolve(s));
      s.once('error', reject);
    });
    t.after(() => socket.close());
    return socket;
  };
  const olivia = await signIn('olivia');
  const status = await rpc(olivia, 'vault.status', {});
  assert.ok(status.ok);
  assert.deepEqual([(status.value as { encrypted: boolean }).encrypted, (status.value as { locked: boolean }).locked], [true, false]);
  const created = await rpc(olivia, 'datanets.create', { name: 'ward notes' });
  assert.ok(created.ok, JSON.stringify(created));

  // Locked again (as after the idle time): sign-in still works, the data does not; only the owner unlocks.
  assert.ok((await rpc(olivia, 'vault.lock', {})).ok);
  const rui = await signIn('rui');
  const whileLocked = await rpc(rui, 'datanets.list', {});
  assert.equal(whileLocked.ok ? 'ok' : whileLocked.error.code, 'LOCKED');
  const ruiUnlock = await rpc(rui, 'vault.unlock', { passphrase: 'clinic vault passphrase' });
  assert.ok(!ruiUnlock.ok);
  assert.match(ruiUnlock.error.message, /vault\.unlock is not allowed for a reviewer/);
  assert.ok((await rpc(olivia, 'vault.unlock', { passphrase: 'clinic vault passphrase' })).ok);
  const listedAfter = await rpc(rui, 'datanets.list', {});
  assert.ok(listedAfter.ok, JSON.stringify(listedAfter));
  assert.deepEqual((listedAfter.value as { items: { name: string }[] }).items.map((d) => d.name), ['ward notes']);

  // Accounts through the contract: who is signed in, and a removal that ends the session at once.
  assert.deepEqual(await rpc(rui, 'team.me', {}), { ok: true, value: { name: 'rui', role: 'reviewer', address: null } });
  const ruiRemoves = await rpc(rui, 'team.removeUser', { name: 'olivia' });
  assert.ok(!ruiRemoves.ok);
  assert.match(ruiRemoves.error.message, /team\.removeUser is not allowed for a reviewer/);
  assert.deepEqual(await rpc(olivia, 'team.removeUser', { name: 'rui' }), { ok: true, value: { name: 'rui' } });
  const afterRemoval = await Promise.race([rpc(rui, 'datanets.list', {}), new Promise<'closed'>((r) => rui.once('close', () => r('closed')))]);
  assert.ok(afterRemoval === 'closed' || !afterRemoval.ok, 'a removed account can do nothing more');
  const audit = await rpc(olivia, 'audit.listEntries', { offset: 0, limit: 5 });
  assert.ok(audit.ok);
  const removal = (audit.value as { items: { actor: string; action: string; subject: string }[] }).items.find((e) => e.action === 'team.userRemoved');
  assert.deepEqual([removal?.actor, removal?.subject], ['team:olivia', 'rui']);
});
