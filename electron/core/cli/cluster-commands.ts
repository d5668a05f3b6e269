import type { Adapter, TrainingJobManifest } from '../../shared/training';
import { int, num, positional, required, str, type Command } from './args';

const list = (s: string | undefined) => (s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean));

/** Training on a GPU cluster: export a job, bring the PEFT adapter it produces back. */
export const CLUSTER_COMMANDS: Command[] = [
  {
    name: 'train export',
    usage: 'train export --snapshot <snapshotId> --model <modelId> --out <new folder> [--hf-model org/name] [--rank 8 --alpha 16 --lr 1e-3 --epochs 2 --seq-len 512 --targets q,k,v,o --dropout 0 --grad-accum 1 --warmup 0 --eval-fraction 0.1 --seed 42] [--quant q4_k|q4_0|q8_0]',
    summary: 'Write a training job for a GPU cluster: the snapshot as JSONL, an Axolotl config, a TRL/PEFT script and a manifest (snapshot root, base model sha256, config hash)',
    options: {
      snapshot: { type: 'string' }, model: { type: 'string' }, out: { type: 'string' }, 'hf-model': { type: 'string' },
      rank: { type: 'string' }, alpha: { type: 'string' }, lr: { type: 'string' }, epochs: { type: 'string' }, 'seq-len': { type: 'string' },
      targets: { type: 'string' }, dropout: { type: 'string' }, 'grad-accum': { type: 'string' }, warmup: { type: 'string' },
      'eval-fraction': { type: 'string' }, seed: { type: 'string' }, quant: { type: 'string' },
    },
    request: ({ values }) => {
      const settings = Object.fromEntries(
        Object.entries({
          rank: int(values, 'rank'), alpha: num(values, 'alpha'), learningRate: num(values, 'lr'), epochs: int(values, 'epochs'), seqLen: int(values, 'seq-len'),
          targets: list(str(values, 'targets')), dropout: num(values, 'dropout'), gradAccum: int(values, 'grad-accum'), warmupSteps: int(values, 'warmup'),
          evalFraction: num(values, 'eval-fraction'), seed: int(values, 'seed'), quant: str(values, 'quant'),
        }).filter(([, v]) => v !== undefined),
      );
      return {
        method: 'training.exportJob',
        input: { snapshotId: required(values, 'snapshot'), modelId: required(values, 'model'), destination: required(values, 'out'), hfModel: str(values, 'hf-model'), settings: settings as never },
      };
    },
    human: (v) => {
      const r = v as { path: string; files: string[]; manifest: TrainingJobManifest };
      return [
        `Training job written to ${r.path}`,
        `  snapshot root ${r.manifest.snapshot.root}, base model sha256 ${r.manifest.baseModel.sha256}, config hash ${r.manifest.configHash}`,
        ...r.manifest.data.map((f) => `  ${f.file}: ${f.records} records`),
        `  files: ${r.files.join(', ')}`,
        r.manifest.baseModel.hfModel ? `  Hugging Face base model: ${r.manifest.baseModel.hfModel}` : '  Hugging Face base model not known: set BASE_MODEL (script) or base_model (axolotl.yaml)',
      ].join('\n');
    },
  },
  {
    name: 'adapters import-peft',
    usage: 'adapters import-peft <folder> --model <modelId> [--manifest <manifest.json>] [--f16]',
    summary: 'Convert a PEFT LoRA adapter (adapter_model.safetensors + adapter_config.json) to GGUF and register it with the exported job\'s provenance',
    positionals: ['folder'],
    options: { model: { type: 'string' }, manifest: { type: 'string' }, f16: { type: 'boolean' } },
    request: ({ values, positionals }) => ({
      method: 'training.importPeftAdapter',
      input: { path: positional(positionals, 0, 'folder'), modelId: required(values, 'model'), manifestPath: str(values, 'manifest'), outType: values.f16 === true ? 'f16' : 'f32' },
    }),
    human: (v) => {
      const { adapter, conversion } = v as { adapter: Adapter; conversion: { tensors: number; rank: number; alpha: number; targets: string[]; ropePermuted: boolean } };
      return [
        `Imported adapter ${adapter.id} (${conversion.tensors} tensors, rank ${conversion.rank}, alpha ${conversion.alpha}, targets ${conversion.targets.join(',')})`,
        `  snapshot root ${adapter.snapshotRoot}, config hash ${adapter.configHash}`,
        `  ${adapter.file}`,
      ].join('\n');
    },
  },
];
