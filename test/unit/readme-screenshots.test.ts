import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/workspace';

test('every screenshot in the README is committed and is one a UI test takes', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const shown = [...readme.matchAll(/docs\/screenshots\/([\w-]+)\.png/g)].map((m) => m[1]!);
  assert.ok(shown.length >= 5, 'the README shows the main screens');
  const uiTests = readdirSync(join(REPO_ROOT, 'test/ui'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(REPO_ROOT, 'test/ui', f), 'utf8'))
    .join('\n');
  for (const name of shown) {
    assert.ok(existsSync(join(REPO_ROOT, 'docs/screenshots', `${name}.png`)), `docs/screenshots/${name}.png is missing (npm run screenshots)`);
    assert.ok(uiTests.includes(`screenshot(page, '${name}')`), `no UI test takes the screenshot ${name}`);
  }
});
