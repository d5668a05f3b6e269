// `train` and `attribute` through the real CLI, each in its own process as a script runs them:
// training builds the span index before the command ends, `attribute` says which method it could
// not use and how to make it usable, and a --seq-len over the model's context is capped, and said.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { openCore } from '../../electron/core/core';
import type { Attribution } from '../../electron/shared/attribution';
import type { Job } from '../../electron/shared/jobs';
import type { ModelInfo } from '../../electron/shared/models';
import type { Adapter } from '../../electron/shared/training';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { PLANTED, factAnswer, factQuestion, factsSnapshot } from '../fixtures/datanets/facts';
import { exposed, underUmask022 } from '../helpers/file-modes';
import { REPO_ROOT, call, tempDir } from '../helpers/workspace';

// One epoch: span matching needs the index, not a model that learned the facts.
const TRAIN_FLAGS = ['--rank', '4', '--alpha', '8', '--epochs', '1', '--grad-accum', '2', '--seed', '7', '--eval-fraction', '0'];

function cli(dir: string, args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'electron/core/bin/cli.ts', ...args, '--workspace', dir, '--progress', 'lines'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A workspace with the facts snapshot and a reference to a tiny model, closed again so that only CLI processes open it. */
async function prepared(dir: string, model: { nCtx: number }, settings: { autoIndex: boolean }) {
  const core = openCore({ workspaceDir: dir, host: 'test' });
  try {
    const { snapshot } = await factsSnapshot(core);
    const imported = await core.waitForJob((await call(core, 'models.import', { path: ensureModel({ ...TINY, ...model, arch: 'llama', baseType: 'F32' }), storage: 'reference' })).jobId);
    await call(core, 'attribution.setSettings', settings);
    return { snapshot, model: imported.result as ModelInfo };
  } finally {
    await core.close();
  }
}

test('CLI train builds the span index before it ends: attribute of a verbatim answer then uses spans', async (t) => {
  underUmask022(t);
  const dir = tempDir(t);
  const { snapshot, model } = await prepared(dir, { nCtx: TINY.nCtx }, { autoIndex: true });

  const trained = cli(dir, ['train', '--model', model.id, '--snapshot', snapshot.id, '--seq-len', '96', ...TRAIN_FLAGS]);
  assert.equal(trained.code, 0, trained.err);
  const adapterId = /Adapter (ad_[0-9a-f]{16}) written/.exec(trained.out)?.[1];
  assert.ok(adapterId, trained.out);
  assert.match(trained.out, new RegExp(`Span index of ${adapterId}: [\\d,]+ tokens`));
  assert.match(trained.err, /Build the span index of/, 'the build shows its progress on stderr');

  const planted = PLANTED[1]!;
  const attributed = cli(dir, ['attribute', '--adapter', adapterId, '--prompt', factQuestion(planted.thing), '--answer', factAnswer(planted), '--json']);
  assert.equal(attributed.code, 0, attributed.err);
  const a = (JSON.parse(attributed.out) as Job).result as Attribution;
  assert.deepEqual(a.methods, ['span', 'influence']);
  assert.ok(a.spans.length > 0, 'a verbatim answer has spans in the data');
  assert.match(a.answer.slice(a.spans[0]!.start, a.spans.at(-1)!.end), /four eight one five/);
  assert.deepEqual(a.unavailable, []);

  // Under umask 022 too, the trainer's checkpoint, adapter and influence file and the index are owner-only.
  assert.deepEqual(exposed(dir), []);
});

test('CLI train with --seq-len 512 on a 256-token model caps it and says so; attribute says the span index is missing and how to build it', async (t) => {
  const dir = tempDir(t);
  const { snapshot, model } = await prepared(dir, { nCtx: 256 }, { autoIndex: false });
  // A record longer than the model's context: at --seq-len 512 its row used to reach the trainer whole.
  const core = openCore({ workspaceDir: dir, host: 'test' });
  let longSnapshot;
  try {
    const long = Array.from({ length: 60 }, (_, i) => `the color of the king is ${['red', 'green', 'blue'][i % 3]}.`).join(' ');
    await call(core, 'datanets.addRecord', { datanetId: snapshot.datanetId, content: { kind: 'instruction', instruction: 'tell me every color of the king', response: long } });
    await call(core, 'datanets.review', { datanetId: snapshot.datanetId, allPending: true, decision: 'approve' });
    longSnapshot = await call(core, 'datanets.createSnapshot', { datanetId: snapshot.datanetId });
  } finally {
    await core.close();
  }

  const trained = cli(dir, ['train', '--model', model.id, '--snapshot', longSnapshot.id, '--seq-len', '512', ...TRAIN_FLAGS]);
  assert.equal(trained.code, 0, trained.err);
  assert.match(trained.out, /sequence length capped at 256 tokens, the model's context \(--seq-len 512 was asked\)/i);
  const adapterId = /Adapter (ad_[0-9a-f]{16}) written/.exec(trained.out)![1]!;
  assert.match(trained.out, new RegExp(`No span index was built.*attribution index ${adapterId}`));

  const human = cli(dir, ['attribute', '--adapter', adapterId, '--prompt', factQuestion('moon'), '--answer', factAnswer(PLANTED[1]!)]);
  assert.equal(human.code, 0, human.err);
  assert.match(human.out, /Methods: influence/);
  assert.match(human.out, new RegExp(`Not used: span — no span index for ${adapterId}.*attribution index ${adapterId}`));
  const asJson = cli(dir, ['attribute', '--adapter', adapterId, '--prompt', factQuestion('king'), '--answer', factAnswer(PLANTED[0]!), '--json']);
  const a = (JSON.parse(asJson.out) as Job).result as Attribution;
  assert.deepEqual(a.methods, ['influence']);
  assert.deepEqual(a.unavailable.map((u) => u.method), ['span']);

  // The command the message names builds it.
  const indexed = cli(dir, ['attribution', 'index', adapterId]);
  assert.equal(indexed.code, 0, indexed.err);
  const after = openCore({ workspaceDir: dir, host: 'test' });
  t.after(() => after.close());
  assert.equal((await call(after, 'attribution.getIndex', { adapterId })).span.state, 'ready');
  const adapter: Adapter = (await call(after, 'training.listAdapters', {})).items.find((x) => x.id === adapterId)!;
  assert.equal(adapter.settings.seqLen, 256, 'the adapter records the length it was trained at');
});
