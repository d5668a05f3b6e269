import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../electron/core/db/open';
import { startUiServer } from '../../electron/core/host/ui-server';
import { AccountStore } from '../../electron/core/team/accounts';
import { runCli } from '../../electron/core/cli/run';
import { launchBrowser, screenshot } from '../helpers/browser';
import { REPO_ROOT, tempDir, testCore } from '../helpers/workspace';

const RENDERER = process.env.DATANET_STUDIO_RENDERER ?? join(REPO_ROOT, 'out/renderer');

test('a team server page signs in first, then opens the app over its session', async (t) => {
  const core = testCore(t);
  const db = openDatabase(core.paths.db);
  t.after(() => db.close());
  const accounts = new AccountStore(db, { N: 2 ** 10, r: 8, p: 1 });
  await accounts.add({ name: 'olivia', role: 'owner', password: 'correct horse battery' });
  const dir = tempDir(t);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const server = await startUiServer({
    core,
    rendererDir: RENDERER,
    team: { host: '127.0.0.1', publicNames: ['localhost'], tls: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) }, accounts },
  });
  t.after(() => server.close());

  const browser = await launchBrowser(t);
  const context = await browser.newContext({ viewport: { width: 1360, height: 820 }, ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // The refused sign-in is a 401 the browser reports itself.
    if (m.type() === 'error' && !/401/.test(m.text())) errors.push(m.text());
  });
  await page.goto(server.url);
  await page.getByRole('heading', { name: 'Datanet Studio' }).waitFor();
  await page.getByLabel('Name').fill('olivia');
  await page.getByLabel('Password').fill('wrong password!');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong name or password.' }).waitFor();
  await page.getByLabel('Password').fill('correct horse battery');
  await screenshot(page, 'team-login');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'No datanets yet' }).waitFor();
  assert.doesNotMatch(page.url(), /token/);
  assert.equal(await page.getByTestId('signed-in-as').innerText(), 'olivia · owner');

  // The owner adds a reviewer in Settings; the server sees the account at once.
  await page.getByRole('link', { name: /Settings/ }).click();
  const card = page.getByRole('region', { name: 'Team accounts' });
  await card.getByLabel('Account name').fill('rui');
  await card.getByLabel('Role').selectOption('reviewer');
  await card.getByLabel('New password').fill('short');
  await card.getByLabel('Repeat password').fill('short');
  await card.getByRole('button', { name: 'Add account' }).click();
  await card.getByRole('alert').getByText('The password must be at least 12 characters.').waitFor();
  await card.getByLabel('New password').fill('reviewer horse battery');
  await card.getByLabel('Repeat password').fill('reviewer horse battery');
  await card.getByRole('button', { name: 'Add account' }).click();
  await card.getByTestId('team-accounts').getByRole('cell', { name: 'rui', exact: true }).waitFor();
  assert.equal((await accounts.verify('rui', 'reviewer horse battery'))?.role, 'reviewer');
  await screenshot(page, 'team-accounts');

  // Signed out, then in as the reviewer: only the sections and actions a reviewer may use are shown.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Name').fill('rui');
  await page.getByLabel('Password').fill('reviewer horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-as').getByText('rui · reviewer').waitFor();
  const sections = await page.getByRole('navigation', { name: 'Sections' }).getByRole('link').allInnerTexts();
  assert.deepEqual(sections.map((x) => x.trim()), ['Datanets', 'Models', 'Proposals', 'Settings']);
  await page.getByRole('heading', { name: 'No datanets yet' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'New datanet' }).count(), 0);
  await page.getByRole('link', { name: /Settings/ }).click();
  await page.getByRole('heading', { name: 'Audit log' }).waitFor();
  assert.equal(await page.getByRole('region', { name: 'Team accounts' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Back up now' }).count(), 0);
  assert.deepEqual(errors, []);
});

test('the single-user serve page still opens straight into the app with its launch token', async (t) => {
  const server = await startUiServer({ core: testCore(t), rendererDir: RENDERER });
  t.after(() => server.close());
  const browser = await launchBrowser(t);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.openUrl);
  await page.getByRole('heading', { name: 'No datanets yet' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Sign in' }).count(), 0);
  // One person, every section; nobody is named as signed in.
  assert.equal(await page.getByRole('navigation', { name: 'Sections' }).getByRole('link').count(), 9);
  assert.equal(await page.getByTestId('signed-in-as').count(), 0);
  assert.deepEqual(errors, []);
});

test('an encrypted team server locked by its owner: a reviewer sees why, cannot unlock, and can sign out', async (t) => {
  const ws = tempDir(t);
  const secrets = tempDir(t);
  const file = (name: string, text: string | Buffer) => {
    writeFileSync(join(secrets, name), text);
    return join(secrets, name);
  };
  const passphraseFile = file('passphrase', 'ward vault passphrase\n');
  const pw = file('pw', 'correct horse battery\n');
  const cli = (args: string[]) => runCli([...args, '--workspace', ws], { out: () => {}, err: () => {}, isTty: false });
  assert.equal(await cli(['vault', 'enable', '--new-passphrase-file', passphraseFile]), 0);
  assert.equal(await cli(['team', 'add-user', '--name', 'olivia', '--role', 'owner', '--password-file', pw, '--passphrase-file', passphraseFile]), 0);
  assert.equal(await cli(['team', 'add-user', '--name', 'rui', '--role', 'reviewer', '--password-file', pw, '--passphrase-file', passphraseFile]), 0);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', join(secrets, 'key.pem'), '-out', join(secrets, 'cert.pem')], { stdio: 'ignore' });
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/core/bin/serve.ts'), '--workspace', ws, '--host', '127.0.0.1', '--public-name', 'localhost',
    '--tls-cert', join(secrets, 'cert.pem'), '--tls-key', join(secrets, 'key.pem'), '--passphrase-file', passphraseFile, '--renderer', RENDERER], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM')))));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      const m = /open:\s+(https:\/\/localhost:\d+\/)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr.on('data', (d: Buffer) => (out += String(d)));
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
  });

  const browser = await launchBrowser(t);
  const signIn = async (name: string) => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 820 }, ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(url);
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor({ timeout: 30_000 });
    return page;
  };
  const rui = await signIn('rui');
  await rui.getByRole('heading', { name: 'No datanets yet' }).waitFor();
  const olivia = await signIn('olivia');
  await olivia.getByRole('link', { name: /Settings/ }).click();
  await olivia.getByRole('button', { name: 'Lock now' }).click();

  // The reviewer's page follows the lock at once, says who can unlock, and lets them leave.
  await rui.getByRole('heading', { name: 'Workspace locked' }).waitFor({ timeout: 30_000 });
  assert.match(await rui.getByTestId('team-unlock-note').innerText(), /only an owner can unlock it/);
  await rui.getByLabel('Passphrase').fill('ward vault passphrase');
  await rui.getByRole('button', { name: 'Unlock' }).click();
  await rui.getByRole('alert').getByText(/vault\.unlock is not allowed for a reviewer/).waitFor();
  await screenshot(rui, 'team-locked-reviewer');
  await rui.getByRole('button', { name: 'Sign out' }).click();
  await rui.getByRole('button', { name: 'Sign in' }).waitFor();
});
