/** Messages between the parent (training or influence job) and the runner child process. */
import { z } from 'zod';
import type { NativeMemory, NativeProgress, NativeTrainerParams } from './addon.js';
import type { ErrorCode } from '../../shared/errors.js';
import type { InfluenceCheckpoint } from './influence-file.js';

const Row = z.object({
  tokens: z.custom<Int32Array>((x) => x instanceof Int32Array),
  labels: z.custom<Int32Array>((x) => x instanceof Int32Array),
  segments: z.custom<Int32Array>((x) => x instanceof Int32Array),
}).refine((r) => r.tokens.length === r.labels.length && r.tokens.length === r.segments.length, 'row arrays differ in length');

/** Gradient sketches for TracIn, taken at `checkpoints` evenly spaced steps (the last is the final step). */
const InfluenceJob = z.object({
  checkpoints: z.number().int().min(1),
  dim: z.number().int().min(1),
  seed: z.number().int().min(0),
  path: z.string(),
  /** One unpacked row per training example, in the caller's order; null: held out or nothing supervised. */
  rows: z.array(Row.nullable()).min(1),
  heldOut: z.array(z.number().int().min(0)),
  unscored: z.array(z.number().int().min(0)),
  seqLen: z.number().int().min(1),
  baseModelSha256: z.string(),
});

export const RunnerJob = z.object({
  modelPath: z.string(),
  params: z.record(z.string(), z.number()),
  train: z.array(Row).min(1),
  eval: z.array(Row),
  checkpointPath: z.string().optional(),
  resumeFrom: z.string().optional(),
  adapterPath: z.string(),
  adapterMetadata: z.record(z.string(), z.string()),
  influence: InfluenceJob.optional(),
});
export type RunnerJob = z.infer<typeof RunnerJob> & { params: NativeTrainerParams & Record<string, number> };

/** Opens an influence file for scoring answers (the second job type of the runner). */
export const InfluenceOpenJob = z.object({
  modelPath: z.string(),
  influencePath: z.string(),
  threads: z.number().int().min(1),
});
export type InfluenceOpenJob = z.infer<typeof InfluenceOpenJob>;

export type ParentMessage =
  | { type: 'start'; job: RunnerJob }
  | { type: 'cancel' }
  | { type: 'influence-open'; job: InfluenceOpenJob }
  | { type: 'influence-query'; id: number; row: { tokens: Int32Array; labels: Int32Array; segments: Int32Array } }
  | { type: 'close' };

export interface InfluenceSketchProgress {
  /** 1-based index of the TracIn checkpoint being sketched, of `checkpoints`. */
  checkpoint: number;
  checkpoints: number;
  /** Examples sketched at this checkpoint, of `total`. */
  done: number;
  total: number;
}

export type RunnerMessage =
  | { type: 'started'; startStep: number; totalSteps: number; memory: NativeMemory; initialEvalLoss: number | null; baselineRssBytes: number }
  | { type: 'progress'; progress: NativeProgress }
  | { type: 'influence-progress'; progress: InfluenceSketchProgress }
  | { type: 'done'; status: 'finished' | 'cancelled'; step: number; abortRequestedAtStep: number | null; memory: NativeMemory; finalEvalLoss: number | null; influencePath: string | null }
  | { type: 'influence-ready'; examples: number; dim: number; checkpoints: InfluenceCheckpoint[]; heldOut: number[]; unscored: number[]; seqLen: number }
  | { type: 'influence-scores'; id: number; scores: Float64Array; queryLoss: number; millis: number }
  | { type: 'error'; message: string; code?: ErrorCode; id?: number };
