/**
 * The spine as one flow, through the contract's demo.run job (small size): signed sample files to
 * a claimed reward on a real anvil devnet, with real SQLite, the native trainer and node-llama-cpp
 * on a generated model. The report's figures are then checked against the demo workspace itself,
 * reopened with its own core: roots verify, loss falls, attribution names a planted record,
 * receipts verify, the claim moved tokens.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { test, type TestContext } from 'node:test';
import { openCore } from '../../electron/core/core';
import { DEMO_CONTRIBUTORS, PLANTED_FACTS, demoDataDir } from '../../electron/core/demo/dataset';
import { DEMO_MARKER, prepareDemoWorkspace } from '../../electron/core/demo/run';
import { sampleFileText, sampleRows } from '../../electron/core/demo/sample-data';
import { DemoReport } from '../../electron/shared/demo';
import { REPO_ROOT, call, tempDir, testCore } from '../helpers/workspace';
import { nativeTrainer } from './helpers/native.js';

test('the shipped sample files are what the generator writes, with the planted rows it promises', () => {
  for (const [c, rows] of sampleRows()) {
    assert.equal(readFileSync(join(demoDataDir(), `${c.slug}.jsonl`), 'utf8'), sampleFileText(rows), `${c.slug}.jsonl is stale: run npx tsx electron/core/demo/sample-data.ts`);
  }
  const all = [...sampleRows().values()].flat();
  for (const f of PLANTED_FACTS) assert.equal(all.filter((r) => r.output.includes(f.answer.split(' is ')[1]!.replace(/\.$/, ''))).length, 1, `"${f.answer}" is stated once`);
  assert.ok(all.length >= 200, `${all.length} rows`);
});

test('a demo workspace is recreated on the next run; a folder the demo did not make is refused', (t) => {
  const dir = tempDir(t);
  const demo = join(dir, 'demo');
  prepareDemoWorkspace(demo);
  writeFileSync(join(demo, 'studio.db'), 'old run');
  prepareDemoWorkspace(demo);
  assert.equal(existsSync(join(demo, 'studio.db')), false, 'the old run is gone');
  assert.ok(existsSync(join(demo, DEMO_MARKER)));
  const mine = join(dir, 'mine');
  mkdirSync(mine);
  writeFileSync(join(mine, 'thesis.txt'), 'keep me');
  assert.throws(() => prepareDemoWorkspace(mine), (e: Error & { code?: string }) => e.code === 'CONFLICT' && /not a demo workspace/.test(e.message));
  assert.equal(readFileSync(join(mine, 'thesis.txt'), 'utf8'), 'keep me');
});

/**
 * Offline by proof: every connection beyond loopback, from this process or its Node children, is
 * blocked and logged while the demo runs (import, train, chat, attribute, devnet, claim).
 */
async function guardOffline(t: TestContext): Promise<string> {
  const log = join(tempDir(t), 'outbound.jsonl');
  const guard = join(REPO_ROOT, 'test', 'helpers', 'offline-guard.cjs');
  const before = { options: process.env.NODE_OPTIONS, log: process.env.DATANET_OFFLINE_GUARD_LOG };
  process.env.DATANET_OFFLINE_GUARD_LOG = log;
  process.env.NODE_OPTIONS = `${before.options ?? ''} --require ${JSON.stringify(guard)}`.trim();
  t.after(() => {
    for (const [key, value] of [['NODE_OPTIONS', before.options], ['DATANET_OFFLINE_GUARD_LOG', before.log]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
  createRequire(import.meta.url)(guard);
  // The guard bites here and in a child, or the test below could not fail.
  const blocked = await new Promise<string>((resolve) => connect({ host: '192.0.2.1', port: 9 }).on('error', (e) => resolve(e.message)));
  assert.match(blocked, /offline guard: blocked a connection to 192\.0\.2\.1:9/);
  const child = spawnSync(process.execPath, ['-e', "require('node:dns').lookup('example.org', (e) => console.log(e.message))"], { encoding: 'utf8' });
  assert.match(child.stdout, /offline guard: blocked a DNS lookup of example\.org/);
  assert.equal(readFileSync(log, 'utf8').trim().split('\n').length, 2);
  writeFileSync(log, '');
  return log;
}

test('demo.run: from signed files to a claimed reward, every step real and checked, and nothing but loopback connected', async (t) => {
  nativeTrainer();
  const outbound = await guardOffline(t);
  const contracts = spawnSync(process.execPath, ['scripts/build-contracts.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
  assert.equal(contracts.status, 0, 'npm run build:contracts failed');
  const core = testCore(t);
  const progress: string[] = [];
  core.onEvent((name, payload) => {
    if (name === 'jobs.progress') progress.push((payload as { progress: { message: string } }).progress.message);
  });
  const { jobId } = await call(core, 'demo.run', { size: 'small' });
  const second = await core.call('demo.run', { size: 'small' });
  assert.ok(!second.ok && second.error.code === 'CONFLICT', 'a second run must not delete the workspace the first one works in');
  const job = await core.waitForJob(jobId);
  assert.equal(job.state, 'succeeded', job.error?.message);
  const report = DemoReport.parse(job.result);
  assert.deepEqual((await call(core, 'demo.lastReport', {})).report, report, 'the report is kept in the demo workspace');
  assert.ok(progress.some((m) => m.startsWith('Train a LoRA adapter: ') && /loss/.test(m)), 'training progress reached the job');

  // Curation: the planted duplicates and PII were caught; every imported row carries a valid signature.
  const d = report.datanet;
  assert.deepEqual([d.exactDuplicatesRejected, d.nearDuplicatesRejected, d.piiRecords], [1, 4, 6]);
  assert.equal(d.signedRecords, d.files.reduce((n, f) => n + f.imported, 0));
  assert.equal(d.approved, d.rowsSeen - 1 - 4);

  // The demo's own workspace, reopened: what the report says is what is there.
  const demo = openCore({ workspaceDir: report.workspace, host: 'test' });
  t.after(() => demo.close());
  const records = await call(demo, 'datanets.listRecords', { datanetId: d.id, status: 'approved', limit: 500 });
  assert.equal(records.total, report.snapshot.records);
  const text = JSON.stringify(records.items.map((r) => r.content));
  assert.doesNotMatch(text, /@northfield-clinic\.example|555-01|Lindqvist|Varga/, 'no approved record still holds the planted PII');
  assert.equal(records.items.filter((r) => r.flags.includes('redacted')).length, 6);

  // The snapshot root verifies with an inclusion proof of a planted record, and a forged leaf does not.
  const planted = report.answers[0]!.plantedRecordId;
  const proof = await call(demo, 'datanets.getProof', { snapshotId: report.snapshot.id, recordId: planted });
  assert.equal(proof.root, report.snapshot.root);
  assert.deepEqual(await call(demo, 'datanets.verifyProof', { proof }), { ok: true, reason: null });
  const forged = await call(demo, 'datanets.verifyProof', { proof: { ...proof, contributor: DEMO_CONTRIBUTORS[0]!.address } });
  assert.equal(forged.ok, false);

  // Training helped on records it never saw.
  assert.ok(report.evaluation.adapterLoss < report.evaluation.baseLoss - 1, `held-out loss ${report.evaluation.baseLoss} -> ${report.evaluation.adapterLoss}`);
  assert.ok(report.evaluation.examples >= 15);

  // Attribution: each answer has a signed receipt that verifies; a planted record is named, and
  // with its contributor's share.
  for (const a of report.answers) {
    const v = await call(demo, 'attribution.verifyReceipt', { receipt: (await call(demo, 'attribution.getReceipt', { digest: a.receiptDigest })).receipt });
    assert.deepEqual([v.ok, v.signed, v.signer], [true, true, report.wallet.operator]);
  }
  const named = report.answers.filter((a) => a.namedPlanted);
  assert.ok(named.length >= 1, `no answer was traced to its planted record: ${JSON.stringify(report.answers.map((a) => [a.answer, a.topRecordId, a.plantedRecordId]))}`);
  for (const a of named) assert.ok(a.shares.some((s) => s.name === a.plantedContributor && s.bps > 0));

  // The chain: six distinct transactions, an epoch over the receipts, a claim that moved tokens.
  assert.equal(new Set(report.chain.transactions.map((x) => x.txHash)).size, 6);
  assert.equal(report.epoch.receipts, report.answers.length);
  const epochs = await call(demo, 'rewards.listEpochs', {});
  assert.deepEqual(epochs.items.map((e) => [e.root, e.receiptsRoot, e.anchorTx !== null]), [[report.epoch.rewardRoot, report.epoch.receiptsRoot, true]]);
  assert.ok(Number(report.claim.amount) > 0);
  assert.equal(Number(report.claim.balanceAfter) - Number(report.claim.balanceBefore), Number(report.claim.amount));
  assert.equal(report.audit.intact, true);
  assert.equal(report.outboundRequests, 0, 'the demo ran offline');
  assert.equal(readFileSync(outbound, 'utf8'), '', 'connections beyond 127.0.0.1 were attempted');
});
