/**
 * A training job for a GPU cluster: a snapshot's records (the stored, already redacted form) as
 * JSONL that Hugging Face `datasets` reads, an Axolotl config, a plain TRL/PEFT script for
 * `accelerate launch` / `torchrun`, and manifest.json with the snapshot root, the base model's
 * sha256, the LoRA settings and a config hash. The folder is built beside its destination and
 * renamed into place, so it exists complete or not at all.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AppError } from '../../shared/errors.js';
import { TrainingJobManifest, type TrainingJobDataFile, type TrainingSettings } from '../../shared/training.js';
import type { AuditLog } from '../audit/log.js';
import { canonicalJson } from '../common/canonical-json.js';
import { fsyncDir, writeFileAtomic } from '../common/atomic-file.js';
import { nowIso } from '../common/ids.js';
import type { SnapshotStore } from '../datanets/snapshots.js';
import { readGguf } from '../models/gguf/index.js';
import type { ModelRegistry } from '../models/registry.js';
import { snapshotExamples } from './examples.js';
import type { TrainingExample } from './dataset.js';

export const PEFT_TARGET_MODULES = { q: 'q_proj', k: 'k_proj', v: 'v_proj', o: 'o_proj', gate: 'gate_proj', up: 'up_proj', down: 'down_proj' } as const;

export interface ExportJobDeps {
  snapshots: SnapshotStore;
  models: ModelRegistry;
  audit: AuditLog;
  actor: string;
}

export interface ExportJobInput {
  snapshotId: string;
  modelId: string;
  settings: TrainingSettings;
  destination: string;
  hfModel?: string;
}

/** The same user/assistant form local training gives an example (dataset.ts), as OpenAI-style messages. */
function line(ex: TrainingExample): { format: 'chat' | 'text'; json: string } {
  if (ex.kind === 'text') return { format: 'text', json: JSON.stringify({ text: ex.text }) };
  const messages = ex.kind === 'chat' ? ex.messages : [
    ...(ex.system ? [{ role: 'system' as const, content: ex.system }] : []),
    { role: 'user' as const, content: ex.input ? `${ex.instruction}\n\n${ex.input}` : ex.instruction },
    { role: 'assistant' as const, content: ex.response },
  ];
  return { format: 'chat', json: JSON.stringify({ messages: messages.map((m) => ({ role: m.role, content: m.content })) }) };
}

/** `org/name` from a huggingface.co URL in the GGUF's own metadata (what it was converted from). */
function hfModelFromGguf(path: string): string | null {
  const f = readGguf(path);
  for (const key of ['general.source.repo_url', 'general.source.huggingface.repository']) {
    const v = f.metadata.get(key);
    if (!v || v.type !== 'string') continue;
    const m = /^(?:https?:\/\/huggingface\.co\/)?([\w.-]+\/[\w.-]+)\/?$/.exec(v.value as string);
    if (m) return m[1]!;
  }
  return null;
}

export async function exportTrainingJob(d: ExportJobDeps, input: ExportJobInput): Promise<{ path: string; files: string[]; manifest: TrainingJobManifest }> {
  const dest = resolve(input.destination);
  if (existsSync(dest)) throw new AppError('CONFLICT', `${dest} already exists: export a training job into a new folder.`);
  const snapshot = d.snapshots.get(input.snapshotId);
  const model = d.models.get(input.modelId);
  const settings = input.settings;
  const hfModel = input.hfModel ?? hfModelFromGguf(model.file);
  const examples = snapshotExamples(d.snapshots, snapshot.id);
  // The held-out split local training would make with these settings (train.ts), over record positions.
  const { heldOutSplit } = await import('./train.js');
  const { held } = heldOutSplit(examples.map((_, i) => i), settings.seed, settings.evalFraction);
  const heldSet = new Set(held);

  const buckets = new Map<string, { split: 'train' | 'eval'; format: 'chat' | 'text'; lines: string[] }>();
  examples.forEach((ex, i) => {
    const split = heldSet.has(i) ? 'eval' : 'train';
    const { format, json } = line(ex);
    const file = `${split}.${format}.jsonl`;
    const b = buckets.get(file) ?? { split, format, lines: [] };
    b.lines.push(json);
    buckets.set(file, b);
  });
  const contents = new Map<string, Buffer>();
  const data: TrainingJobDataFile[] = [];
  for (const file of ['train.chat.jsonl', 'train.text.jsonl', 'eval.chat.jsonl', 'eval.text.jsonl']) {
    const b = buckets.get(file);
    if (!b) continue;
    const bytes = Buffer.from(b.lines.map((l) => `${l}\n`).join(''), 'utf8');
    contents.set(file, bytes);
    data.push({ file, split: b.split, format: b.format, records: b.lines.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  }

  const config = { snapshotRoot: snapshot.root, baseModelSha256: model.sha256, hfModel, settings, data };
  const configHash = createHash('sha256').update(canonicalJson(config)).digest('hex');
  const manifest = TrainingJobManifest.parse({
    format: 'datanet-training-job',
    version: 1,
    createdAt: nowIso(),
    snapshot: { id: snapshot.id, root: snapshot.root, datanetId: snapshot.datanetId, version: snapshot.version, records: snapshot.recordCount },
    baseModel: { id: model.id, name: model.name, sha256: model.sha256, architecture: model.architecture, hfModel },
    lora: { r: settings.rank, alpha: settings.alpha, dropout: settings.dropout, targetModules: settings.targets.map((t) => PEFT_TARGET_MODULES[t]) },
    data,
    config,
    configHash,
  });
  contents.set('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'));
  contents.set('axolotl.yaml', Buffer.from(axolotlYaml(manifest), 'utf8'));
  contents.set('train_peft.py', Buffer.from(trlScript(manifest), 'utf8'));
  contents.set('README.md', Buffer.from(readme(manifest), 'utf8'));

  const parent = dirname(dest);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dest)}.${process.pid}.${Date.now()}.tmp`);
  mkdirSync(tmp, { mode: 0o700 });
  try {
    for (const [name, bytes] of contents) writeFileAtomic(join(tmp, name), [bytes]);
    fsyncDir(tmp);
    if (existsSync(dest)) throw new AppError('CONFLICT', `${dest} appeared while the job was being written.`);
    renameSync(tmp, dest);
    fsyncDir(parent);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const files = [...contents.keys()].sort();
  d.audit.append({
    actor: d.actor,
    action: 'training.export',
    subject: snapshot.id,
    details: { path: dest, snapshotRoot: snapshot.root, baseModelSha256: model.sha256, configHash, files: Object.fromEntries(data.map((f) => [f.file, f.sha256])) },
  });
  return { path: dest, files, manifest };
}

const y = (v: unknown) => JSON.stringify(v); // JSON scalars and flow lists are valid YAML

function axolotlYaml(m: TrainingJobManifest): string {
  const s = m.config.settings;
  const ds = (split: 'train' | 'eval') =>
    m.data.filter((f) => f.split === split).map((f) =>
      f.format === 'chat'
        ? [`  - path: ${y(f.file)}`, '    ds_type: json', '    split: train', '    type: chat_template', '    field_messages: messages', '    message_property_mappings:', '      role: role', '      content: content', '    roles_to_train: ["assistant"]'].join('\n')
        : [`  - path: ${y(f.file)}`, '    ds_type: json', '    split: train', '    type: completion', '    field: text'].join('\n'));
  const evalSets = ds('eval');
  return [
    `# Datanet Studio training job: snapshot ${m.snapshot.root}, config hash ${m.configHash}.`,
    '# Run from this folder: accelerate launch -m axolotl.cli.train axolotl.yaml',
    '# Then bring the adapter back: npm run -s cli -- adapters import-peft ./out --model <modelId>',
    `# (copy manifest.json into ./out as datanet-manifest.json, or pass --manifest).`,
    `base_model: ${y(m.baseModel.hfModel ?? 'SET-THE-HUGGING-FACE-MODEL-ID')}`,
    ...(s.quant === 'q8_0' ? ['load_in_8bit: true'] : s.quant ? ['load_in_4bit: true'] : []),
    `adapter: ${s.quant && s.quant !== 'q8_0' ? 'qlora' : 'lora'}`,
    `lora_r: ${m.lora.r}`,
    `lora_alpha: ${m.lora.alpha}`,
    `lora_dropout: ${m.lora.dropout}`,
    `lora_target_modules: ${y(m.lora.targetModules)}`,
    'datasets:',
    ...ds('train'),
    ...(evalSets.length ? ['test_datasets:', ...evalSets] : ['val_set_size: 0']),
    'train_on_inputs: false',
    `sequence_len: ${s.seqLen}`,
    'sample_packing: true',
    'micro_batch_size: 1',
    `gradient_accumulation_steps: ${s.gradAccum}`,
    `num_epochs: ${s.epochs}`,
    `learning_rate: ${s.learningRate}`,
    'lr_scheduler: cosine',
    `warmup_steps: ${s.warmupSteps}`,
    'optimizer: adamw_torch',
    `seed: ${s.seed}`,
    'bf16: auto',
    'output_dir: ./out',
    'save_safetensors: true',
    '',
  ].join('\n');
}

function trlScript(m: TrainingJobManifest): string {
  return `#!/usr/bin/env python3
"""Datanet Studio training job: snapshot ${m.snapshot.root}, config hash ${m.configHash}.

Trains the LoRA adapter manifest.json describes with TRL + PEFT. Run from any folder:
    accelerate launch train_peft.py [OUTPUT_DIR]          # or: torchrun --nproc_per_node=N train_peft.py
BASE_MODEL=<hf id or local path> overrides the manifest's base model (same weights as the GGUF).
ASSISTANT_ONLY_LOSS=0 trains on whole chats when the model's chat template lacks generation markers.
Then: npm run -s cli -- adapters import-peft OUTPUT_DIR --model <modelId>
"""
import hashlib
import json
import os
import shutil
import sys

import torch
from datasets import concatenate_datasets, load_dataset
from peft import LoraConfig
from transformers import AutoTokenizer, BitsAndBytesConfig
from trl import SFTConfig, SFTTrainer

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "manifest.json"), encoding="utf-8") as f:
    MANIFEST = json.load(f)
CONFIG = MANIFEST["config"]
SETTINGS = CONFIG["settings"]
LORA = MANIFEST["lora"]


# configHash is sha256 of the canonical JSON (sorted keys, no spaces, JavaScript number forms) of
# CONFIG; Datanet Studio checks it on import. Here the data files are checked against it.
for entry in MANIFEST["data"]:
    with open(os.path.join(HERE, entry["file"]), "rb") as f:
        if hashlib.sha256(f.read()).hexdigest() != entry["sha256"]:
            sys.exit(entry["file"] + ": sha256 differs from manifest.json")

base = os.environ.get("BASE_MODEL") or MANIFEST["baseModel"]["hfModel"]
if not base:
    sys.exit("Set BASE_MODEL to the Hugging Face id (or local path) of the base model's original weights")
out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "out")
tokenizer = AutoTokenizer.from_pretrained(base)


def load(split):
    parts = {"chat": [], "text": []}
    for entry in MANIFEST["data"]:
        if entry["split"] == split:
            parts[entry["format"]].append(load_dataset("json", data_files=os.path.join(HERE, entry["file"]), split="train"))
    chat = concatenate_datasets(parts["chat"]) if parts["chat"] else None
    text = concatenate_datasets(parts["text"]) if parts["text"] else None
    if chat is not None and text is not None:
        # One dataset needs one format: render chats with the model's template (whole-sequence loss).
        chat = chat.map(lambda r: {"text": tokenizer.apply_chat_template(r["messages"], tokenize=False)}, remove_columns=["messages"])
        return concatenate_datasets([chat, text]), False
    return (chat if chat is not None else text), chat is not None


train, conversational = load("train")
evaluation, _ = load("eval")
quant = SETTINGS.get("quant")
model_kwargs = {"torch_dtype": "auto"}
if quant == "q8_0":
    model_kwargs["quantization_config"] = BitsAndBytesConfig(load_in_8bit=True)
elif quant:
    model_kwargs["quantization_config"] = BitsAndBytesConfig(
        load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16)

args = SFTConfig(
    output_dir=out_dir,
    num_train_epochs=SETTINGS["epochs"],
    learning_rate=SETTINGS["learningRate"],
    lr_scheduler_type="cosine",
    warmup_steps=SETTINGS["warmupSteps"],
    per_device_train_batch_size=1,
    gradient_accumulation_steps=SETTINGS["gradAccum"],
    max_length=SETTINGS["seqLen"],
    seed=SETTINGS["seed"],
    assistant_only_loss=conversational and os.environ.get("ASSISTANT_ONLY_LOSS", "1") != "0",
    eval_strategy="epoch" if evaluation is not None else "no",
    save_strategy="no",
    bf16=torch.cuda.is_available() and torch.cuda.is_bf16_supported(),
    model_init_kwargs=model_kwargs,
    report_to=[],
)
peft_config = LoraConfig(
    r=LORA["r"], lora_alpha=LORA["alpha"], lora_dropout=LORA["dropout"],
    target_modules=LORA["targetModules"], bias="none", task_type="CAUSAL_LM")
trainer = SFTTrainer(model=base, args=args, train_dataset=train, eval_dataset=evaluation,
                     processing_class=tokenizer, peft_config=peft_config)
trainer.train()
trainer.save_model(out_dir)  # adapter_model.safetensors + adapter_config.json
if trainer.is_world_process_zero():
    shutil.copyfile(os.path.join(HERE, "manifest.json"), os.path.join(out_dir, "datanet-manifest.json"))
    print("Adapter written to " + out_dir + "; import it with: npm run -s cli -- adapters import-peft " + out_dir + " --model " + MANIFEST["baseModel"]["id"])
`;
}

function readme(m: TrainingJobManifest): string {
  return [
    `# Training job for snapshot ${m.snapshot.root}`,
    '',
    `Base model: ${m.baseModel.name} (GGUF sha256 ${m.baseModel.sha256}); Hugging Face weights: ${m.baseModel.hfModel ?? 'not known — set BASE_MODEL / base_model'}.`,
    `LoRA r=${m.lora.r}, alpha=${m.lora.alpha}, targets ${m.lora.targetModules.join(', ')}. Config hash ${m.configHash}.`,
    '',
    ...m.data.map((f) => `- ${f.file}: ${f.records} ${f.split} records (${f.format}), sha256 ${f.sha256}`),
    '',
    'Train with `accelerate launch train_peft.py out` (or `torchrun --nproc_per_node=N train_peft.py out`),',
    'or with Axolotl: `accelerate launch -m axolotl.cli.train axolotl.yaml`.',
    `Bring the adapter back: \`npm run -s cli -- adapters import-peft out --model ${m.baseModel.id} --manifest manifest.json\`.`,
    '',
  ].join('\n');
}
