import { z } from 'zod';
import { Hash32, Timestamp, idOf } from './common';
import { JobRef } from './jobs';
import { SnapshotId } from './curation';
import { ModelId } from './models';

export const RunId = idOf('run');
export const AdapterId = idOf('ad');

export const LORA_TARGETS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;

/** The settings a run is started with; defaults suit a small model on a laptop CPU. */
export const TrainingSettings = z
  .object({
    rank: z.number().int().min(1).max(256).default(8),
    alpha: z.number().positive().max(1024).default(16),
    dropout: z.number().min(0).max(0.9).default(0),
    targets: z.array(z.enum(LORA_TARGETS)).min(1).default(['q', 'k', 'v', 'o']),
    learningRate: z.number().positive().max(1).default(1e-3),
    warmupSteps: z.number().int().min(0).max(100_000).default(0),
    epochs: z.number().int().min(1).max(100).default(2),
    gradAccum: z.number().int().min(1).max(1024).default(1),
    seqLen: z.number().int().min(16).max(32_768).default(512),
    evalFraction: z.number().min(0).max(0.5).default(0.1),
    seed: z.number().int().min(0).max(2 ** 31).default(42),
    checkpointEvery: z.number().int().min(0).max(1_000_000).default(20),
    /**
     * Gradient influence for attribution: at this many evenly spaced steps every training
     * record's LoRA gradient is sketched (each costs about one more pass over the data); 0 = off.
     */
    influenceCheckpoints: z.number().int().min(0).max(16).default(2),
    /** QLoRA: train on a copy of the base whose linear weights are quantized to this type. */
    quant: z.enum(['q4_k', 'q4_0', 'q8_0']).optional(),
    /** Where the run computes: the CPU, or the first NVIDIA GPU through node-llama-cpp's CUDA backend. */
    device: z.enum(['cpu', 'cuda']).default('cpu'),
  })
  .strict();
export type TrainingSettings = z.infer<typeof TrainingSettings>;

/** The held-out split used when no adapter's own settings say otherwise. */
export const DEFAULT_EVAL_SPLIT = (({ seed, evalFraction }) => ({ seed, evalFraction }))(TrainingSettings.parse({}));

export const TrainingRunInfo = z.object({
  id: RunId,
  snapshotId: SnapshotId,
  snapshotRoot: Hash32,
  modelPath: z.string(),
  settings: TrainingSettings,
  state: z.enum(['running', 'succeeded', 'failed', 'cancelled', 'interrupted']),
  step: z.number().int(),
  totalSteps: z.number().int().nullable(),
  adapterId: AdapterId.nullable(),
  error: z.string().nullable(),
  startedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
});
export type TrainingRunInfo = z.infer<typeof TrainingRunInfo>;

export const Adapter = z.object({
  id: AdapterId,
  runId: RunId,
  file: z.string(),
  sha256: z.string(),
  baseModelPath: z.string(),
  baseModelSha256: z.string(),
  snapshotId: SnapshotId,
  snapshotRoot: Hash32,
  configHash: z.string(),
  settings: TrainingSettings,
  metrics: z.object({
    steps: z.number().int(),
    initialEvalLoss: z.number().nullable(),
    finalEvalLoss: z.number().nullable(),
    lastLoss: z.number().nullable(),
    tokensPerSecond: z.number(),
    trainRows: z.number().int(),
    evalRows: z.number().int(),
    memoryEstimateBytes: z.number(),
    measuredPeakBytes: z.number(),
  }),
  createdAt: Timestamp,
});
export type Adapter = z.infer<typeof Adapter>;

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in lowercase hex (64 digits)');

/** One JSONL file of an exported training job: `chat` lines are {"messages": [...]}, `text` lines {"text": "..."}. */
export const TrainingJobDataFile = z.object({
  file: z.string().regex(/^[a-z0-9.-]+\.jsonl$/, 'must be a plain .jsonl file name'),
  split: z.enum(['train', 'eval']),
  format: z.enum(['chat', 'text']),
  records: z.number().int().min(1),
  sha256: Sha256Hex,
});
export type TrainingJobDataFile = z.infer<typeof TrainingJobDataFile>;

/**
 * manifest.json of a training job exported for a cluster: what to train, on what, with which
 * settings. configHash = sha256 of the canonical JSON of `config`, so a run can be reproduced and
 * an adapter brought back can be tied to exactly this job.
 */
export const TrainingJobManifest = z.object({
  format: z.literal('datanet-training-job'),
  version: z.literal(1),
  createdAt: Timestamp,
  snapshot: z.object({ id: SnapshotId, root: Hash32, datanetId: z.string(), version: z.number().int(), records: z.number().int() }),
  baseModel: z.object({
    id: ModelId, name: z.string(), sha256: Sha256Hex, architecture: z.string(),
    /** The Hugging Face model the cluster loads (the GGUF's original weights); null when not known. */
    hfModel: z.string().nullable(),
  }),
  /** PEFT's names for the settings' targets. */
  lora: z.object({ r: z.number().int(), alpha: z.number(), dropout: z.number(), targetModules: z.array(z.string()).min(1) }),
  data: z.array(TrainingJobDataFile).min(1),
  config: z.object({ snapshotRoot: Hash32, baseModelSha256: Sha256Hex, hfModel: z.string().nullable(), settings: TrainingSettings, data: z.array(TrainingJobDataFile) }),
  configHash: Sha256Hex,
});
export type TrainingJobManifest = z.infer<typeof TrainingJobManifest>;

export const trainingMethods = {
  /** A job: the run streams step, loss, tokens/s and ETA; cancel stops it within a step. */
  'training.start': {
    input: z
      .object({
        /** A registered model, or a GGUF file on this machine. */
        modelId: ModelId.optional(),
        modelPath: z.string().min(1, 'must not be empty').optional(),
        snapshotId: SnapshotId,
        settings: TrainingSettings.default(TrainingSettings.parse({})),
      })
      .strict()
      .refine((i) => (i.modelId === undefined) !== (i.modelPath === undefined), { message: 'give either modelId or modelPath', path: ['modelId'] }),
    output: JobRef.extend({ runId: RunId }),
  },
  /** Continues a cancelled or interrupted run from its last checkpoint, with the same settings. */
  'training.resume': { input: z.object({ runId: RunId }).strict(), output: JobRef.extend({ runId: RunId }) },
  'training.listRuns': { input: z.object({}).strict(), output: z.object({ items: z.array(TrainingRunInfo) }) },
  'training.listAdapters': { input: z.object({}).strict(), output: z.object({ items: z.array(Adapter) }) },
  /**
   * Writes a training job for a GPU cluster into a new folder: the snapshot's records as JSONL
   * (Hugging Face `datasets` reads it), an Axolotl config, a TRL/PEFT script and manifest.json.
   */
  'training.exportJob': {
    input: z
      .object({
        snapshotId: SnapshotId,
        modelId: ModelId,
        settings: TrainingSettings.default(TrainingSettings.parse({})),
        /** A folder that must not exist yet; it appears complete or not at all. */
        destination: z.string().min(1, 'must not be empty'),
        /** The Hugging Face id of the base model's original weights, e.g. Qwen/Qwen2.5-0.5B-Instruct. */
        hfModel: z.string().min(1).max(300).optional(),
      })
      .strict(),
    output: z.object({ path: z.string(), files: z.array(z.string()), manifest: TrainingJobManifest }),
  },
  /**
   * Converts a PEFT LoRA adapter folder (adapter_model.safetensors + adapter_config.json) into a GGUF
   * adapter for the registered base model and registers it with the export manifest's provenance.
   */
  'training.importPeftAdapter': {
    input: z
      .object({
        path: z.string().min(1, 'must not be empty'),
        modelId: ModelId,
        /** The exported job's manifest.json; by default manifest.json or datanet-manifest.json in `path`. */
        manifestPath: z.string().min(1).optional(),
        outType: z.enum(['f32', 'f16']).default('f32'),
      })
      .strict(),
    output: z.object({
      adapter: Adapter,
      conversion: z.object({ tensors: z.number().int(), rank: z.number().int(), alpha: z.number(), targets: z.array(z.string()), outType: z.enum(['f32', 'f16']), ropePermuted: z.boolean() }),
    }),
  },
} as const;
