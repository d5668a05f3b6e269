// JSONL import rate (hashing, validation, exact + near-duplicate detection, PII scan, batched
// SQLite writes) for 100k records, next to a raw SQLite insert of the same rows in the same run.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { openCore } from '../electron/core/core';
import { unwrap } from '../electron/core/rpc/router';
import type { ImportSummary } from '../electron/shared/curation';

const N = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'dstudio-bench-import-'));
const file = join(dir, 'records.jsonl');

// Realistic variety: sentences drawn from a 3,000-word vocabulary, with 2% planted near-duplicates
// (an earlier record with one word changed) and 2% of records carrying an email and a phone number.
let seed = 42;
const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'de', 'ga', 'po', 'le', 'zu', 'fi', 'ba', 'no', 'ri', 'ce', 'ho', 'ju'];
const VOCAB = Array.from({ length: 3000 }, () => Array.from({ length: 2 + Math.floor(rand() * 3) }, () => SYLLABLES[Math.floor(rand() * SYLLABLES.length)]).join(''));
const words = (n: number) => Array.from({ length: n }, () => VOCAB[Math.floor(rand() * VOCAB.length)]).join(' ');
const rows: string[] = [];
const made: { instruction: string; output: string }[] = [];
for (let i = 0; i < N; i++) {
  let row: { instruction: string; output: string };
  if (i > 100 && rand() < 0.02) {
    const base = made[Math.floor(rand() * made.length)]!;
    const out = base.output.split(' ');
    out[Math.floor(rand() * out.length)] = VOCAB[Math.floor(rand() * VOCAB.length)]!;
    row = { instruction: base.instruction, output: out.join(' ') };
  } else {
    const pii = rand() < 0.02 ? ` Contact clinic${i}@example.org or (555) 01${String(i % 100).padStart(2, '0')}-2345.` : '';
    row = { instruction: `${words(8 + Math.floor(rand() * 10))}?`, output: `${words(30 + Math.floor(rand() * 40))}.${pii}` };
  }
  made.push(row);
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
