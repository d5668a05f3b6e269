import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { build } from 'esbuild';
import { SpanIndex, SpanIndexWriter } from '../../electron/core/attribution/span-index/index';
import { mulberry32 } from '../../electron/core/common/prng';
import { isAppError } from '../../electron/shared/errors';

const root = mkdtempSync(join(tmpdir(), 'dstudio-span-build-'));
after(() => rmSync(root, { recursive: true, force: true }));
const staging = () => readdirSync(root).filter((n) => n.includes('.building-'));

/** Records of random tokens, `records` × `length`. */
function addRecords(w: SpanIndexWriter, records: number, length: number, seed = 1): void {
  const next = mulberry32(seed);
  for (let r = 0; r < records; r++) w.addDocument({ recordIndex: r, tokens: new Uint32Array(length).map(() => next() % 32000) });
}

test('the suffix arrays are sorted off the main thread, with progress up to the total', async () => {
  const dir = join(root, 'ok');
  const w = await SpanIndexWriter.create({ dir, shardTokens: 400_000 });
  addRecords(w, 4000, 300);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const seen: number[] = [];
  let total = 0;
  const info = await w.finish({ onProgress: (done, t) => { seen.push(done); total = t; } });
  clearInterval(timer);
  // A build on the main thread would block the event loop until it is over: no tick would run.
  assert.ok(ticks > 0, 'the event loop ran during the build');
  assert.equal(info.shardCount, 4);
  assert.equal(total, 4000 * 301);
  assert.ok(seen.some((d) => d > 0 && d < total), 'progress between 0 and the total');
  assert.equal(seen.at(-1), total);
  const idx = await SpanIndex.open(dir, { verify: true });
  assert.equal(idx.info.tokenCount, 1_200_000);
});

test('cancelling during the sort terminates the worker and leaves no index', async () => {
  const dir = join(root, 'cancelled');
  const w = await SpanIndexWriter.create({ dir, shardTokens: 300_000 });
  addRecords(w, 3000, 300);
  const ac = new AbortController();
  let calls = 0;
  await assert.rejects(
    w.finish({ signal: ac.signal, onProgress: () => { calls++; ac.abort(); } }),
    (e) => isAppError(e) && e.code === 'CANCELLED',
  );
  assert.ok(calls >= 1, 'cancelled from inside the build');
  assert.equal(existsSync(dir), false);
  assert.deepEqual(staging(), []);
  await assert.rejects(SpanIndex.open(dir), (e) => isAppError(e) && e.code === 'NOT_FOUND');
});

test('a build killed with its process leaves nothing that opens, and the next build clears it', async () => {
  const dir = join(root, 'killed');
  const writerUrl = pathToFileURL(join(process.cwd(), 'electron/core/attribution/span-index/index.ts')).href;
  const code = `
    import { readFileSync } from 'node:fs';
    import { SpanIndexWriter } from ${JSON.stringify(writerUrl)};
    const w = await SpanIndexWriter.create({ dir: ${JSON.stringify(dir)}, shardTokens: 100000 });
    for (let r = 0; r < 2000; r++) w.addDocument({ recordIndex: r, tokens: new Uint32Array(200).map((_, i) => (r * 7 + i * 13) % 5000) });
    await w.finish({ onProgress: () => process.kill(process.pid, 'SIGKILL') });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', code], { stdio: ['ignore', 'ignore', 'inherit'] });
  const signal = await new Promise((resolve) => child.on('exit', (_c, s) => resolve(s)));
  assert.equal(signal, 'SIGKILL');
  assert.equal(existsSync(dir), false);
  assert.equal(staging().length, 1, 'the killed build left its staging folder');
  await assert.rejects(SpanIndex.open(dir), (e) => isAppError(e) && e.code === 'NOT_FOUND');

  const w = await SpanIndexWriter.create({ dir });
  assert.equal(staging().length, 1, 'only the new build is staging');
  w.addDocument({ recordIndex: 0, tokens: [1, 2, 3] });
  await w.finish();
  assert.deepEqual(staging(), []);
  assert.equal((await SpanIndex.open(dir)).count([2, 3]), 1);
});

test('a worker that dies or is missing fails the build cleanly', async () => {
  // Stands in for a worker killed by the system (out of memory): it exits without a result.
  const dying = join(root, 'dying-worker.mjs');
  writeFileSync(dying, 'process.exit(3);\n');
  const dir = join(root, 'died');
  let w = await SpanIndexWriter.create({ dir, workerPath: dying });
  w.addDocument({ recordIndex: 0, tokens: [1, 2, 3] });
  await assert.rejects(w.finish(), (e) => isAppError(e) && e.code === 'INTERNAL' && /exited \(code 3\)/.test(e.message));
  assert.equal(existsSync(dir), false);
  assert.deepEqual(staging(), []);

  w = await SpanIndexWriter.create({ dir, workerPath: join(root, 'no-such-worker.js') });
  w.addDocument({ recordIndex: 0, tokens: [1, 2, 3] });
  await assert.rejects(w.finish(), (e) => isAppError(e) && e.code === 'NOT_AVAILABLE' && /no-such-worker\.js/.test(e.message));
  assert.deepEqual(staging(), []);
});

test('a bundled host (esbuild CJS, as the desktop build makes it) builds the same index through DATANET_SPAN_INDEX_WORKER', async () => {
  const docs = Array.from({ length: 300 }, (_, r) => ({ recordIndex: r, tokens: Array.from({ length: 50 + (r % 40) }, (_, i) => (r * 31 + i * i) % 700) }));
  const docsFile = join(root, 'docs.json');
  writeFileSync(docsFile, JSON.stringify(docs));
  const hostSource = join(root, 'host.ts');
  writeFileSync(hostSource, `
    import { readFileSync } from 'node:fs';
    import { SpanIndexWriter } from ${JSON.stringify(join(process.cwd(), 'electron/core/attribution/span-index/index.ts'))};
    (async () => {
      const w = await SpanIndexWriter.create({ dir: process.argv[2]!, shardTokens: 5000 });
      for (const d of JSON.parse(readFileSync(${JSON.stringify(docsFile)}, 'utf8'))) w.addDocument(d);
      await w.finish();
    })().catch((e) => { console.error(e); process.exit(1); });`);
  const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error', logOverride: { 'empty-import-meta': 'silent' } } as const;
  await build({ ...common, entryPoints: [hostSource], outfile: join(root, 'bundle/host.cjs') });
  await build({ ...common, entryPoints: ['electron/core/attribution/span-index/build-worker.ts'], outfile: join(root, 'bundle/span-index-worker.cjs') });

  const bundledDir = join(root, 'bundled');
  const r = spawnSync(process.execPath, [join(root, 'bundle/host.cjs'), bundledDir], {
    env: { ...process.env, DATANET_SPAN_INDEX_WORKER: join(root, 'bundle/span-index-worker.cjs') }, encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);

  const sourceDir = join(root, 'from-source');
  const w = await SpanIndexWriter.create({ dir: sourceDir, shardTokens: 5000 });
  for (const d of docs) w.addDocument(d);
  await w.finish();
  const manifest = (d: string) => JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as { shards: unknown[]; tokens: unknown };
  assert.ok(manifest(bundledDir).shards.length > 1);
  assert.deepEqual(manifest(bundledDir).shards, manifest(sourceDir).shards);
  assert.deepEqual(manifest(bundledDir).tokens, manifest(sourceDir).tokens);
  await SpanIndex.open(bundledDir, { verify: true });
});
