import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../electron/core/db/open';
import { startUiServer } from '../../electron/core/host/ui-server';
import { AccountStore } from '../../electron/core/team/accounts';
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
