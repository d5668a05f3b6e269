/**
 * Cluster round trip: a snapshot exported as a training job, a PEFT LoRA adapter "trained" from it
 * (written here, byte for byte in PEFT's layout), imported through our TypeScript converter, and
 * node-llama-cpp's loss with it compared with a direct computation: the LoRA delta merged into a
 * copy of the F32 base, evaluated without any adapter (that path never touches the converter).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Core } from '../../electron/core/core';
import { metaNumber, metaString, readGguf, readTensorData, writeGguf, type GgufTensorInput } from '../../electron/core/models/gguf/index.js';
import { mulberry32 } from '../../electron/core/common/prng.js';
import { readAdapterInfo } from '../../electron/core/training/index.js';
import type { Snapshot } from '../../electron/shared/curation';
import type { EvaluationResult } from '../../electron/shared/inference';
import type { ModelInfo } from '../../electron/shared/models';
import { TrainingJobManifest, type Adapter } from '../../electron/shared/training';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { THINGS, COLORS } from '../fixtures/datanets/colors';
import { REPO_ROOT, call, jobResult, tempDir, testCore } from '../helpers/workspace';
import { disposeModels, loadModel, mean, tokenNll } from './helpers/llama.js';

const RANK = 4;
const ALPHA = 8;
const MODULES = [
  ['self_attn', 'q_proj', 'attn_q'], ['self_attn', 'k_proj', 'attn_k'], ['self_attn', 'v_proj', 'attn_v'], ['self_attn', 'o_proj', 'attn_output'],
  ['mlp', 'gate_proj', 'ffn_gate'], ['mlp', 'up_proj', 'ffn_up'], ['mlp', 'down_proj', 'ffn_down'],
] as const;
const PII = 'alice.smith@example.com';

/** The colors datanet plus one record with an e-mail address, redacted (mask), approved and snapshotted. */
async function snapshotWithRedaction(core: Core): Promise<Snapshot> {
  const { id } = await call(core, 'datanets.create', { name: 'colors' });
  for (const [i, thing] of THINGS.entries()) {
    await call(core, 'datanets.addRecord', { datanetId: id, content: { kind: 'instruction', instruction: `what is the color of the ${thing}?`, response: `the color of the ${thing} is ${COLORS[i % 3]}.` } });
  }
  await call(core, 'datanets.addRecord', { datanetId: id, content: { kind: 'chat', messages: [{ role: 'user', content: 'who paints the sky?' }, { role: 'assistant', content: `write to ${PII} and ask.` }] } });
  await call(core, 'datanets.redact', { datanetId: id, mode: 'mask' });
  await call(core, 'datanets.review', { datanetId: id, allPending: true, decision: 'approve' });
  return call(core, 'datanets.createSnapshot', { datanetId: id });
}

type Dtype = 'F32' | 'BF16';
interface PeftTensor { name: string; shape: [number, number]; values: Float32Array }

/** safetensors as the `safetensors` library writes it: u64 header length, JSON header padded with spaces to 8, raw little-endian data. */
function writeSafetensors(path: string, tensors: PeftTensor[], dtype: Dtype): void {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const datas: Buffer[] = [];
  let offset = 0;
  for (const t of tensors) {
    let b: Buffer;
    if (dtype === 'F32') b = Buffer.from(t.values.buffer.slice(t.values.byteOffset, t.values.byteOffset + t.values.byteLength));
    else {
      b = Buffer.alloc(t.values.length * 2);
      const f = new Float32Array(1);
      const u = new Uint32Array(f.buffer);
      for (let i = 0; i < t.values.length; i++) {
        f[0] = t.values[i]!;
        b.writeUInt16LE(u[0]! >>> 16, i * 2); // the values below are made BF16-exact first
      }
    }
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + b.length] };
    datas.push(b);
    offset += b.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileSync(path, Buffer.concat([len, Buffer.from(json), ...datas]));
}

function peftConfig(targets: readonly string[]) {
  return {
    alpha_pattern: {}, auto_mapping: null, base_model_name_or_path: 'datanet/tiny-llama', bias: 'none', fan_in_fan_out: false, inference_mode: true,
    init_lora_weights: true, layers_pattern: null, layers_to_transform: null, lora_alpha: ALPHA, lora_dropout: 0, modules_to_save: null, peft_type: 'LORA',
    r: RANK, rank_pattern: {}, revision: null, target_modules: targets, task_type: 'CAUSAL_LM', use_dora: false, use_rslora: false,
  };
}

/** Small random non-zero A [r, in] and B [out, r] for every projection of every layer, in PEFT's tensor names. */
function randomPeft(basePath: string, seed: number, bf16Exact: boolean) {
  const base = readGguf(basePath);
  const nLayer = metaNumber(base, `${metaString(base, 'general.architecture')}.block_count`);
  const u32 = mulberry32(seed);
  const rand = (scale: number) => {
    const v = ((u32() / 4294967296) * 2 - 1) * scale;
    if (!bf16Exact) return v;
    const f = new Float32Array([v]);
    const u = new Uint32Array(f.buffer);
    u[0] = u[0]! & 0xffff0000;
    return f[0]!;
  };
  const tensors: PeftTensor[] = [];
  for (let l = 0; l < nLayer; l++) {
    for (const [block, proj, gguf] of MODULES) {
      const bt = base.tensors.find((t) => t.name === `blk.${l}.${gguf}.weight`)!;
      const nIn = Number(bt.ne[0]);
      const nOut = Number(bt.ne[1]);
      const p = `base_model.model.model.layers.${l}.${block}.${proj}`;
      tensors.push({ name: `${p}.lora_A.weight`, shape: [RANK, nIn], values: Float32Array.from({ length: RANK * nIn }, () => rand(0.15)) });
      tensors.push({ name: `${p}.lora_B.weight`, shape: [nOut, RANK], values: Float32Array.from({ length: nOut * RANK }, () => rand(0.15)) });
    }
  }
  return tensors;
}

function writePeftFolder(dir: string, tensors: PeftTensor[], dtype: Dtype, manifestPath: string | null): string {
  mkdirSync(dir, { recursive: true });
  writeSafetensors(join(dir, 'adapter_model.safetensors'), tensors, dtype);
  writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify(peftConfig(MODULES.map((m) => m[1])), null, 2));
  // What train_peft.py does after saving: the job's manifest travels with the adapter.
  if (manifestPath) copyFileSync(manifestPath, join(dir, 'datanet-manifest.json'));
  return dir;
}

/**
 * HF → GGUF row order of q/k for the llama architecture (llama.cpp convert_hf_to_gguf LlamaModel.permute:
 * reshape(n_head, 2, head_dim/2, cols).swapaxes(1, 2)), applied to a row-major [rows, cols] delta.
 */
function hfToGgufRows(x: Float64Array, rows: number, cols: number, nHead: number): Float64Array {
  const out = new Float64Array(x.length);
  const hd = rows / nHead;
  for (let h = 0; h < nHead; h++) for (let i = 0; i < 2; i++) for (let j = 0; j < hd / 2; j++) {
    out.set(x.subarray((h * hd + i * (hd / 2) + j) * cols, (h * hd + i * (hd / 2) + j + 1) * cols), (h * hd + j * 2 + i) * cols);
  }
  return out;
}

/** The base with W += alpha/r · B·A merged in (F32), i.e. what the adapter should compute, as a plain model. */
function writeMerged(basePath: string, tensors: PeftTensor[], out: string, opts: { permuteQk: boolean }): void {
  const base = readGguf(basePath);
  const arch = metaString(base, 'general.architecture');
  const nHead = metaNumber(base, `${arch}.attention.head_count`);
  const nHeadKv = metaNumber(base, `${arch}.attention.head_count_kv`);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const outTensors: GgufTensorInput[] = base.tensors.map((t) => {
    const data = readTensorData(base, t);
    const m = /^blk\.(\d+)\.(\w+)\.weight$/.exec(t.name);
    const mod = m ? MODULES.find((x) => x[2] === m[2]) : undefined;
    if (!m || !mod) return { name: t.name, ne: t.ne.map(Number), type: t.type, data };
    assert.equal(t.type, 'F32');
    const [nIn, nOut] = t.ne.map(Number) as [number, number];
    const p = `base_model.model.model.layers.${m[1]}.${mod[0]}.${mod[1]}`;
    const A = byName.get(`${p}.lora_A.weight`)!.values;
    const B = byName.get(`${p}.lora_B.weight`)!.values;
    let delta: Float64Array = new Float64Array(nOut * nIn);
    for (let o = 0; o < nOut; o++) for (let k = 0; k < RANK; k++) {
      const b = B[o * RANK + k]!;
      for (let i = 0; i < nIn; i++) delta[o * nIn + i]! += b * A[k * nIn + i]!;
    }
    if (opts.permuteQk && (mod[1] === 'q_proj' || mod[1] === 'k_proj')) delta = hfToGgufRows(delta, nOut, nIn, mod[1] === 'q_proj' ? nHead : nHeadKv);
    const w = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    for (let e = 0; e < w.length; e++) w[e] = w[e]! + (ALPHA / RANK) * delta[e]!;
    return { name: t.name, ne: [nIn, nOut], type: 'F32', data: new Uint8Array(w.buffer) };
  });
  writeGguf(out, base.metadata, outTensors);
}

const TEXT = 'the color of the sun is red. the color of the moon is green. what is the color of the king? the color of the king is blue.';

async function setup(t: TestContext, arch: 'llama' | 'qwen2' = 'llama') {
  const dir = tempDir(t);
  const core = testCore(t, dir);
  t.after(() => disposeModels());
  const basePath = ensureModel({ ...TINY, arch, baseType: 'F32' });
  const snapshot = await snapshotWithRedaction(core);
  const model = await jobResult<ModelInfo>(core, call(core, 'models.import', { path: basePath, storage: 'reference' }));
  return { dir, core, basePath, snapshot, model };
}

test('a snapshot exported as a cluster job, a PEFT adapter trained from it imported as GGUF: node-llama-cpp computes the merged model\'s loss', async (t) => {
  const { dir, core, basePath, snapshot, model } = await setup(t);

  // --- export ---
  const jobDir = join(dir, 'cluster', 'job-1');
  const settings = { rank: RANK, alpha: ALPHA, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as ('q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down')[], evalFraction: 0.2, seed: 7, seqLen: 128 };
  const exported = await call(core, 'training.exportJob', { snapshotId: snapshot.id, modelId: model.id, settings, destination: jobDir, hfModel: 'datanet/tiny-llama' });
  assert.equal(exported.path, jobDir);
  assert.deepEqual(readdirSync(jobDir).sort(), exported.files);
  assert.deepEqual(readdirSync(join(dir, 'cluster')), ['job-1'], 'no temp folder is left beside the job');
  const manifest = TrainingJobManifest.parse(JSON.parse(readFileSync(join(jobDir, 'manifest.json'), 'utf8')));
  assert.equal(manifest.snapshot.root, snapshot.root);
  assert.equal(manifest.baseModel.sha256, model.sha256);
  assert.deepEqual(manifest.lora, { r: RANK, alpha: ALPHA, dropout: 0, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] });
  // Hugging Face `datasets` reads JSONL: one JSON object per line, same keys in every line of a file.
  const lines = manifest.data.flatMap((f) => readFileSync(join(jobDir, f.file), 'utf8').trimEnd().split('\n').map((l) => ({ f, row: JSON.parse(l) as { messages: { role: string; content: string }[] } })));
  assert.equal(lines.length, snapshot.recordCount);
  assert.equal(manifest.data.filter((f) => f.split === 'eval').reduce((n, f) => n + f.records, 0), Math.round(snapshot.recordCount * 0.2));
  for (const { f, row } of lines) {
    assert.equal(f.format, 'chat');
    assert.deepEqual(Object.keys(row), ['messages']);
    assert.deepEqual(row.messages.map((m) => m.role).slice(-2), ['user', 'assistant']);
  }
  const allText = lines.map((l) => JSON.stringify(l.row)).join('\n');
  assert.ok(allText.includes('what is the color of the sun?') && allText.includes('the color of the sun is red.'));
  assert.ok(!allText.includes(PII), 'the export holds the redacted text only');
  assert.ok(allText.includes('write to '), 'the redacted record is exported in its redacted form');
  // Axolotl's YAML and the script name the same settings; the script is valid Python.
  const ax = readFileSync(join(jobDir, 'axolotl.yaml'), 'utf8');
  for (const want of ['base_model: "datanet/tiny-llama"', 'adapter: lora', `lora_r: ${RANK}`, `lora_alpha: ${ALPHA}`, `lora_target_modules: ${JSON.stringify(manifest.lora.targetModules)}`, 'sequence_len: 128', '  - path: "train.chat.jsonl"', '  - path: "eval.chat.jsonl"', 'train_on_inputs: false']) {
    assert.ok(ax.split('\n').includes(want), `axolotl.yaml has the line ${want}`);
  }
  // Where Python is installed: the script parses, and so does the YAML (with PyYAML, if present).
  const py = spawnSync('python3', ['-c', [
    'import ast, json, sys', 'ast.parse(open(sys.argv[1]).read())',
    'try:\n import yaml\nexcept ImportError:\n print("{}"); sys.exit(0)', 'print(json.dumps(yaml.safe_load(open(sys.argv[2]))))',
  ].join('\n'), join(jobDir, 'train_peft.py'), join(jobDir, 'axolotl.yaml')], { encoding: 'utf8' });
  if (py.error) t.diagnostic('python3 not found: the script and YAML were not parsed');
  else {
    assert.equal(py.status, 0, py.stderr);
    const parsed = JSON.parse(py.stdout) as { lora_r?: number; lora_target_modules?: string[]; datasets?: { path: string; type: string }[] };
    if (parsed.lora_r !== undefined) {
      assert.deepEqual([parsed.lora_r, parsed.lora_target_modules, parsed.datasets?.map((d) => [d.path, d.type])], [RANK, manifest.lora.targetModules, [['train.chat.jsonl', 'chat_template']]]);
    }
  }
  const audit = (await call(core, 'audit.listEntries', {})).items.find((e) => e.action === 'training.export');
  assert.ok(audit, 'the export is in the audit log');
  assert.equal(audit.subject, snapshot.id);
  await assert.rejects(call(core, 'training.exportJob', { snapshotId: snapshot.id, modelId: model.id, settings, destination: jobDir }), /already exists/);

  // --- a PEFT adapter "trained on the cluster", imported ---
  const peft = randomPeft(basePath, 11, false);
  const adapterDir = writePeftFolder(join(dir, 'cluster', 'out'), peft, 'F32', join(jobDir, 'manifest.json'));
  const { adapter, conversion } = await call(core, 'training.importPeftAdapter', { path: adapterDir, modelId: model.id });
  assert.deepEqual([conversion.tensors, conversion.rank, conversion.alpha, conversion.ropePermuted], [2 * 7 * TINY.nLayer, RANK, ALPHA, true]);
  assert.equal(adapter.snapshotRoot, snapshot.root, 'provenance names the exported snapshot root');
  assert.equal(adapter.snapshotId, snapshot.id);
  assert.equal(adapter.baseModelSha256, model.sha256);
  assert.equal(adapter.configHash, manifest.configHash);
  const info = await readAdapterInfo(adapter.file);
  assert.deepEqual([info.snapshotRoot, info.baseModelSha256, info.configHash, info.rank, info.alpha, info.sha256], [snapshot.root, model.sha256, manifest.configHash, RANK, ALPHA, adapter.sha256]);
  assert.deepEqual((await call(core, 'training.listAdapters', {})).items.map((a) => a.id), [adapter.id]);
  assert.ok((await call(core, 'audit.listEntries', {})).items.some((e) => e.action === 'adapter.import' && e.subject === adapter.id));

  // --- node-llama-cpp: base + imported adapter vs the merged model (no adapter, no converter) ---
  // Same file name as the base: node-llama-cpp's chat-wrapper guess looks at the file name too.
  mkdirSync(join(dir, 'merged'));
  const mergedPath = join(dir, 'merged', basename(basePath));
  writeMerged(basePath, peft, mergedPath, { permuteQk: true });
  const tokens = (await loadModel(basePath)).tokenize(TEXT);
  const baseNll = await tokenNll(basePath, tokens, { exact: true });
  const withAdapter = await tokenNll(basePath, tokens, { exact: true, lora: { filePath: adapter.file } });
  const merged = await tokenNll(mergedPath, tokens, { exact: true });
  const diff = Math.abs(mean(withAdapter) - mean(merged));
  const maxTokenDiff = Math.max(...withAdapter.map((x, i) => Math.abs(x - merged[i]!)));
  console.log(`loss over ${tokens.length} tokens: base ${mean(baseNll).toFixed(5)}, base + imported adapter ${mean(withAdapter).toFixed(6)}, merged model ${mean(merged).toFixed(6)}; |Δ mean| ${diff.toExponential(2)}, max per-token |Δ| ${maxTokenDiff.toExponential(2)}`);
  assert.ok(Math.abs(mean(withAdapter) - mean(baseNll)) > 0.05, 'the adapter changes the output');
  assert.ok(diff < 1e-3, `imported adapter and merged model agree to 1e-3 (Δ ${diff})`);
  // The agreement is sensitive to the q/k row order: merging without llama.cpp's RoPE permutation disagrees.
  const unpermutedPath = join(dir, 'merged-unpermuted.gguf');
  writeMerged(basePath, peft, unpermutedPath, { permuteQk: false });
  const unpermuted = await tokenNll(unpermutedPath, tokens, { exact: true });
  console.log(`merged without the q/k RoPE row permutation: ${mean(unpermuted).toFixed(6)}`);
  assert.ok(Math.abs(mean(unpermuted) - mean(withAdapter)) > 1e-2, `a merge without the q/k permutation differs (${mean(unpermuted)})`);

  // --- evaluated like a local adapter: the app's evaluation of the snapshot ---
  const evaluate = (input: Parameters<typeof call<'inference.evaluate'>>[2]) => jobResult<EvaluationResult>(core, call(core, 'inference.evaluate', input));
  const viaAdapter = await evaluate({ adapterId: adapter.id, snapshotId: snapshot.id, split: 'all', accuracy: false });
  const viaMerged = await evaluate({ modelPath: mergedPath, snapshotId: snapshot.id, split: 'all', accuracy: false });
  console.log(`inference.evaluate over the snapshot: imported adapter ${viaAdapter.loss.toFixed(6)}, merged model ${viaMerged.loss.toFixed(6)}, |Δ| ${Math.abs(viaAdapter.loss - viaMerged.loss).toExponential(2)} (${viaAdapter.tokens} tokens)`);
  assert.equal(viaAdapter.adapterId, adapter.id);
  assert.ok(Math.abs(viaAdapter.loss - viaMerged.loss) < 1e-3, `app evaluation agrees (${viaAdapter.loss} vs ${viaMerged.loss})`);
});

test('BF16 PEFT weights convert to an F16 adapter; wrong shapes, a foreign base and a missing manifest are refused naming the cause', async (t) => {
  const { dir, core, basePath, snapshot, model } = await setup(t);
  const jobDir = join(dir, 'job');
  await call(core, 'training.exportJob', { snapshotId: snapshot.id, modelId: model.id, settings: { rank: RANK, alpha: ALPHA, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] }, destination: jobDir });
  const manifestPath = join(jobDir, 'manifest.json');
  const adaptersDir = join(dir, 'adapters');
  const adapterFiles = () => (existsSync(adaptersDir) ? readdirSync(adaptersDir) : []);

  // A wrong-shape tensor: lora_A of layer 1's k_proj with one input column too few.
  const peft = randomPeft(basePath, 5, true);
  const wrongName = 'base_model.model.model.layers.1.self_attn.k_proj.lora_A.weight';
  const wrong = peft.map((x) => (x.name === wrongName ? { ...x, shape: [RANK, x.shape[1] - 1] as [number, number], values: x.values.subarray(0, RANK * (x.shape[1] - 1)) } : x));
  const wrongDir = writePeftFolder(join(dir, 'wrong'), wrong, 'F32', manifestPath);
  await assert.rejects(call(core, 'training.importPeftAdapter', { path: wrongDir, modelId: model.id }), (e: Error) => {
    assert.match(e.message, new RegExp(`tensor "${wrongName.replace(/\./g, '\\.')}" has shape \\[4, 255\\].*blk\\.1\\.attn_k\\.weight.*needs \\[4, 256\\]`));
    return true;
  });
  // A B matrix given transposed ([r, out] instead of [out, r]) is refused too.
  const bName = 'base_model.model.model.layers.0.mlp.down_proj.lora_B.weight';
  const transposed = peft.map((x) => (x.name === bName ? { ...x, shape: [x.shape[1], x.shape[0]] as [number, number] } : x));
  await assert.rejects(call(core, 'training.importPeftAdapter', { path: writePeftFolder(join(dir, 'transposed'), transposed, 'F32', manifestPath), modelId: model.id }), new RegExp(bName.replace(/\./g, '\\.')));
  // No manifest: no provenance, no import.
  await assert.rejects(call(core, 'training.importPeftAdapter', { path: writePeftFolder(join(dir, 'bare'), peft, 'F32', null), modelId: model.id }), /No job manifest/);
  // Another base model than the job was exported for.
  const other = await jobResult<ModelInfo>(core, call(core, 'models.import', { path: ensureModel({ ...TINY, arch: 'llama', baseType: 'F32', seed: 43 }), storage: 'reference' }));
  await assert.rejects(call(core, 'training.importPeftAdapter', { path: wrongDir, modelId: other.id, manifestPath }), /exported for base model sha256/);
  assert.deepEqual(adapterFiles().filter((f) => f.endsWith('.gguf')), [], 'nothing is written or registered for a refused adapter');
  assert.deepEqual((await call(core, 'training.listAdapters', {})).items, []);

  // BF16 in, F16 out: loads, and matches the F32 import of the same (BF16-exact) values closely.
  const bf16Dir = writePeftFolder(join(dir, 'bf16'), peft, 'BF16', manifestPath);
  const f32Dir = writePeftFolder(join(dir, 'f32'), peft, 'F32', manifestPath);
  const half = await call(core, 'training.importPeftAdapter', { path: bf16Dir, modelId: model.id, outType: 'f16' });
  const full = await call(core, 'training.importPeftAdapter', { path: f32Dir, modelId: model.id });
  assert.ok(readGguf(half.adapter.file).tensors.every((x) => x.type === 'F16'));
  const tokens = (await loadModel(basePath)).tokenize(TEXT);
  const a = mean(await tokenNll(basePath, tokens, { exact: true, lora: { filePath: half.adapter.file } }));
  const b = mean(await tokenNll(basePath, tokens, { exact: true, lora: { filePath: full.adapter.file } }));
  console.log(`BF16→F16 adapter loss ${a.toFixed(6)} vs F32 ${b.toFixed(6)}`);
  assert.ok(Math.abs(a - b) < 1e-3);
});

test('qwen2 (NeoX RoPE, no q/k permutation in llama.cpp\'s converter): the imported adapter equals the merged model too', async (t) => {
  const { dir, basePath, snapshot, model } = await setup(t, 'qwen2');
  const jobDir = join(dir, 'job');
  // Through the CLI this time: train export, then adapters import-peft.
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'electron/core/bin/cli.ts', ...args, '--json', '--workspace', dir], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr || r.stdout);
    return JSON.parse(r.stdout) as unknown;
  };
  const exported = cli('train', 'export', '--snapshot', snapshot.id, '--model', model.id, '--out', jobDir, '--rank', String(RANK), '--alpha', String(ALPHA), '--targets', 'q,k,v,o,gate,up,down') as { manifest: TrainingJobManifest };
  assert.equal(exported.manifest.snapshot.root, snapshot.root);
  const peft = randomPeft(basePath, 23, false);
  const outDir = writePeftFolder(join(dir, 'out'), peft, 'F32', null);
  const { adapter, conversion } = cli('adapters', 'import-peft', outDir, '--model', model.id, '--manifest', join(jobDir, 'manifest.json')) as { adapter: Adapter; conversion: { ropePermuted: boolean } };
  assert.equal(conversion.ropePermuted, false);
  assert.equal(adapter.snapshotRoot, snapshot.root);
  mkdirSync(join(dir, 'merged'));
  const mergedPath = join(dir, 'merged', basename(basePath));
  writeMerged(basePath, peft, mergedPath, { permuteQk: false });
  const tokens = (await loadModel(basePath)).tokenize(TEXT);
  const base = mean(await tokenNll(basePath, tokens, { exact: true }));
  const withAdapter = mean(await tokenNll(basePath, tokens, { exact: true, lora: { filePath: adapter.file } }));
  const merged = mean(await tokenNll(mergedPath, tokens, { exact: true }));
  console.log(`qwen2: base ${base.toFixed(5)}, base + imported adapter ${withAdapter.toFixed(6)}, merged ${merged.toFixed(6)}, |Δ| ${Math.abs(withAdapter - merged).toExponential(2)}`);
  assert.ok(Math.abs(withAdapter - base) > 0.05, 'the adapter changes the output');
  assert.ok(Math.abs(withAdapter - merged) < 1e-3);
});
