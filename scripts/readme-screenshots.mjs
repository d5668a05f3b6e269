#!/usr/bin/env node
// Copies the screenshots the README shows from the UI tests' output (test-output/screenshots,
// written by `npm test` or `npm run test:ui`) into docs/screenshots, so the README's pictures are
// the tests' own. Run after the UI tests: `npm run screenshots`.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const names = [...readFileSync('README.md', 'utf8').matchAll(/docs\/screenshots\/([\w-]+)\.png/g)].map((m) => m[1]);
const missing = names.filter((n) => !existsSync(join('test-output/screenshots', `${n}.png`)));
if (missing.length) {
  console.error(`Not in test-output/screenshots (run the UI tests first): ${missing.join(', ')}`);
  process.exit(1);
}
mkdirSync('docs/screenshots', { recursive: true });
for (const n of new Set(names)) copyFileSync(join('test-output/screenshots', `${n}.png`), join('docs/screenshots', `${n}.png`));
console.log(`Copied ${new Set(names).size} screenshots into docs/screenshots.`);
