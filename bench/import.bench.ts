// JSONL import rate (hashing, validation, exact + near-duplicate detection, PII scan, batched
// SQLite writes) for 100k records, next to a raw SQLite insert of the same rows in the same run.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openCore } from '../electron/core/core';
import { unwrap } from '../electron/core/rpc/router';
import type { ImportSummary } from '../electron/shared/curation';

const N = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'dstudio-bench-import-'));
const file = join(dir, 'records.jsonl');

const TOPICS = ['angina', 'heart failure', 'atrial fibrillation', 'hypertension', 'stent care', 'anticoagulation', 'cardiac rehab', 'lipids'];
let seed = 42;
const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const rows: string[] = [];
for (let i = 0; i < N; i++) {
  const topic = TOPICS[i % TOPICS.length]!;
  const pii = i % 50 === 0 ? ` Contact the clinic at clinic${i}@example.org or (555) 01${String(i % 100).padStart(2, '0')}-2345.` : '';
  const row = {
    instruction: `Patient question ${i} about ${topic}: what should I watch for after discharge, day ${Math.floor(rand() * 30)}?`,
    output: `For ${topic}, watch for chest pain, shortness of breath, swelling and dizziness; record readings ${Math.floor(rand() * 1e6)} twice daily and call if symptoms worsen.${pii}`,
  };
  rows.push(JSON.stringify(row));
}
writeFileSync(file, rows.join('\n') + '\n');

// Baseline: the same rows straight into SQLite with the same durability settings and batch size.
const rawDb = new Database(join(dir, 'raw.db'));
rawDb.pragma('journal_mode = WAL');
rawDb.pragma('synchronous = FULL');
rawDb.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, content TEXT NOT NULL) STRICT');
const ins = rawDb.prepare('INSERT INTO t (content) VALUES (?)');
const batch = rawDb.transaction((xs: string[]) => xs.forEach((x) => ins.run(x)));
let t0 = performance.now();
for (let i = 0; i < rows.length; i += 500) batch(rows.slice(i, i + 500));
const rawSeconds = (performance.now() - t0) / 1000;
rawDb.close();

const core = openCore({ workspaceDir: join(dir, 'ws'), host: 'cli' });
const { id } = unwrap(await core.call('datanets.create', { name: 'bench' })) as { id: string };
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
t0 = performance.now();
const { jobId } = unwrap(await core.call('datanets.importFile', { datanetId: id, path: file })) as { jobId: string };
const job = await core.waitForJob(jobId);
const importSeconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
if (job.state !== 'succeeded') throw new Error(`import ${job.state}: ${job.error?.message}`);
const summary = job.result as ImportSummary;
await core.close();

const figures = {
  rows: N,
  importedRecords: summary.rowsImported,
  nearDuplicatesFlagged: summary.nearDuplicates,
  piiRecords: summary.piiRecords,
  importRecordsPerSecond: Math.round(N / importSeconds),
  rawSqliteInsertRowsPerSecond: Math.round(N / rawSeconds),
  importVsRawInsert: Number((rawSeconds / importSeconds).toFixed(3)),
  importSeconds: Number(importSeconds.toFixed(2)),
  rawInsertSeconds: Number(rawSeconds.toFixed(2)),
  peakRssMiB: Math.round(peakRss / 1024 ** 2),
};
console.log(`JSONL import, ${N.toLocaleString('en')} records (hash, validate, dedupe, PII scan, batched writes):`);
console.log(`  import      ${figures.importRecordsPerSecond.toLocaleString('en')} records/s  (${figures.importSeconds} s, peak RSS ${figures.peakRssMiB} MiB)`);
console.log(`  raw insert  ${figures.rawSqliteInsertRowsPerSecond.toLocaleString('en')} rows/s     (${figures.rawInsertSeconds} s)  — baseline, same run`);
console.log(`  ratio       import runs at ${(figures.importVsRawInsert * 100).toFixed(1)}% of the raw insert rate`);
console.log(`  flagged     ${figures.nearDuplicatesFlagged} near-duplicates, ${figures.piiRecords} records with PII`);
mkdirSync('test-output/bench', { recursive: true });
writeFileSync('test-output/bench/import.json', JSON.stringify(figures, null, 2));
rmSync(dir, { recursive: true, force: true });
