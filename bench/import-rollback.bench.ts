// Undoing an import that kill -9 cut short: a 200k-row JSONL import runs in a child process (the real
// CLI) and is SIGKILLed once ROLLBACK_KILL_AT rows are committed; the next open undoes it. Printed
// next to the time the import took to commit those rows, and to the old path in the same run (one
// DELETE without the near-duplicate index, timed on a sample of rows and scaled up).
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3-multiple-ciphers';
import { openCore } from '../electron/core/core';
import { unwrap } from '../electron/core/rpc/router';
import type { Job } from '../electron/shared/jobs';

const N = Number(process.env.BENCH_IMPORT_ROWS ?? 200_000);
const KILL_AT = Number(process.env.ROLLBACK_KILL_AT ?? 100_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const OLD_PATH_SAMPLE = 200;
const dir = mkdtempSync(join(tmpdir(), 'dstudio-bench-rollback-'));
const file = join(dir, 'records.jsonl');

// Varied text from a 3,000-word vocabulary with 2% planted near-duplicates (an earlier record with
// one word changed), as in import.bench.ts: near_dup_of links are what made the old undo slow.
let seed = 7;
const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'de', 'ga', 'po', 'le', 'zu', 'fi', 'ba', 'no', 'ri', 'ce', 'ho', 'ju'];
const VOCAB = Array.from({ length: 3000 }, () => Array.from({ length: 2 + Math.floor(rand() * 3) }, () => SYLLABLES[Math.floor(rand() * SYLLABLES.length)]).join(''));
const words = (n: number) => Array.from({ length: n }, () => VOCAB[Math.floor(rand() * VOCAB.length)]).join(' ');
const made: { instruction: string; output: string }[] = [];
for (let i = 0; i < N; i++) {
  if (i > 100 && rand() < 0.02) {
    const base = made[Math.floor(rand() * made.length)]!;
    const out = base.output.split(' ');
    out[Math.floor(rand() * out.length)] = VOCAB[Math.floor(rand() * VOCAB.length)]!;
    made.push({ instruction: base.instruction, output: out.join(' ') });
  } else made.push({ instruction: `${words(8 + Math.floor(rand() * 10))}?`, output: `${words(20 + Math.floor(rand() * 30))}.` });
}
writeFileSync(file, made.map((r) => JSON.stringify(r)).join('\n') + '\n');

const committed = (db: Database.Database) => (db.prepare('SELECT count(*) AS n FROM records WHERE import_id IS NOT NULL').get() as { n: number }).n;

interface Run { committedRows: number; nearDupLinks: number; importSeconds: number; rollbackSeconds: number; undoJobRecords: number }

async function once(): Promise<Run & { ws: string }> {
  const ws = join(dir, `ws-${Math.random().toString(16).slice(2)}`);
  const setup = openCore({ workspaceDir: ws, host: 'cli' });
  const { id } = unwrap(await setup.call('datanets.create', { name: 'bench' })) as { id: string };
  await setup.close();

  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'electron/core/bin/cli.ts', 'datanet', 'import', id, file, '--workspace', ws, '--progress', 'none'], { stdio: 'ignore' });
  const probe = new Database(join(ws, 'studio.db'), { readonly: true, fileMustExist: true });
  let rows = 0;
  while (child.exitCode === null && rows < KILL_AT) {
    await sleep(100);
    rows = committed(probe);
  }
  if (child.exitCode !== null) throw new Error(`the import ended (exit ${child.exitCode}) before ${KILL_AT} rows were committed`);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const importSeconds = (performance.now() - t0) / 1000;
  const committedRows = committed(probe);
  const nearDupLinks = (probe.prepare('SELECT count(*) AS n FROM records WHERE near_dup_of IS NOT NULL').get() as { n: number }).n;
  probe.close();

  // The next open: undo jobs start with it; the workspace is consistent once they have finished.
  const t1 = performance.now();
  const core = openCore({ workspaceDir: ws, host: 'cli' });
  const { items } = unwrap(await core.call('jobs.list', {})) as { items: Job[] };
  const undo = items.filter((j) => j.kind === 'datanets.undoImport' && j.state === 'running');
  const done = await Promise.all(undo.map((j) => core.waitForJob(j.id)));
  const rollbackSeconds = (performance.now() - t1) / 1000;
  if (done.length !== 1 || done[0]!.state !== 'succeeded') throw new Error(`undo: ${JSON.stringify(done.map((j) => [j.state, j.error]))}`);
  const left = (unwrap(await core.call('datanets.get', { id })) as { recordCount: number }).recordCount;
  await core.close();
  if (left !== 0) throw new Error(`${left} records left after the undo`);
  return { ws, committedRows, nearDupLinks, importSeconds, rollbackSeconds, undoJobRecords: done[0]!.progress.done };
}

/** The old path on a copy of a killed workspace: one DELETE in one transaction, without the near_dup_of index. */
async function oldPathSample(): Promise<{ rows: number; seconds: number; tableRows: number }> {
  const ws = join(dir, 'old');
  const setup = openCore({ workspaceDir: ws, host: 'cli' });
  const { id } = unwrap(await setup.call('datanets.create', { name: 'bench' })) as { id: string };
  await setup.close();
  const child = spawn(process.execPath, ['--import', 'tsx', 'electron/core/bin/cli.ts', 'datanet', 'import', id, file, '--workspace', ws, '--progress', 'none'], { stdio: 'ignore' });
  const probe = new Database(join(ws, 'studio.db'), { readonly: true, fileMustExist: true });
  while (child.exitCode === null && committed(probe) < KILL_AT) await sleep(100);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  probe.close();
  const copy = join(dir, 'old-copy.db');
  for (const ext of ['', '-wal']) copyFileSync(join(ws, `studio.db${ext}`), `${copy}${ext}`);
  const db = new Database(copy);
  db.pragma('foreign_keys = ON');
  db.exec('DROP INDEX records_near_dup_of');
  const tableRows = committed(db);
  const t0 = performance.now();
  db.transaction(() => db.prepare('DELETE FROM records WHERE rowid IN (SELECT rowid FROM records WHERE import_id IS NOT NULL LIMIT ?)').run(OLD_PATH_SAMPLE))();
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  return { rows: OLD_PATH_SAMPLE, seconds, tableRows };
}

const runs: Run[] = [];
for (let i = 0; i < REPEATS; i++) {
  const { ws, ...r } = await once();
  rmSync(ws, { recursive: true, force: true });
  runs.push(r);
  console.log(`  run ${i + 1}: killed at ${r.committedRows.toLocaleString('en')} committed rows (${r.nearDupLinks} near-duplicate links) after ${r.importSeconds.toFixed(1)} s; undo ${r.rollbackSeconds.toFixed(2)} s`);
}
const old = await oldPathSample();

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => { const s = sorted(xs); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
const rollback = runs.map((r) => r.rollbackSeconds);
const imports = runs.map((r) => r.importSeconds);
const rows = median(runs.map((r) => r.committedRows));
const figures = {
  fileRows: N,
  killedAtRowsMedian: rows,
  repeats: runs.length,
  rollbackSecondsMin: Number(sorted(rollback)[0]!.toFixed(2)),
  rollbackSecondsMedian: Number(median(rollback).toFixed(2)),
  importSecondsToKillMin: Number(sorted(imports)[0]!.toFixed(1)),
  importSecondsToKillMedian: Number(median(imports).toFixed(1)),
  rollbackVsImport: Number((median(rollback) / median(imports)).toFixed(3)),
  oldPathSampleRows: old.rows,
  oldPathSampleSeconds: Number(old.seconds.toFixed(2)),
  oldPathProjectedSeconds: Math.round((old.seconds / old.rows) * rows),
  runs,
};
console.log(`Undo of an import killed at ~${rows.toLocaleString('en')} of ${N.toLocaleString('en')} rows (n = ${runs.length}):`);
console.log(`  undo at next open   min ${figures.rollbackSecondsMin} s, median ${figures.rollbackSecondsMedian} s (goal: under 10 s)`);
console.log(`  the import itself   min ${figures.importSecondsToKillMin} s, median ${figures.importSecondsToKillMedian} s to commit those rows — baseline, same run`);
console.log(`  ratio               the undo takes ${(figures.rollbackVsImport * 100).toFixed(1)}% of the import's time`);
console.log(`  old path            ${old.rows} rows in ${figures.oldPathSampleSeconds} s without the near_dup_of index (${old.tableRows.toLocaleString('en')} rows in the table) → ~${figures.oldPathProjectedSeconds} s for all`);
mkdirSync('test-output/bench', { recursive: true });
writeFileSync('test-output/bench/import-rollback.json', JSON.stringify(figures, null, 2));
rmSync(dir, { recursive: true, force: true });
