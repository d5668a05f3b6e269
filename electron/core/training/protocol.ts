/** Messages between the training job (parent) and the runner child process. */
import { z } from 'zod';
import type { NativeMemory, NativeProgress, NativeTrainerParams } from './addon.js';

const Row = z.object({
  tokens: z.custom<Int32Array>((x) => x instanceof Int32Array),
  labels: z.custom<Int32Array>((x) => x instanceof Int32Array),
  segments: z.custom<Int32Array>((x) => x instanceof Int32Array),
}).refine((r) => r.tokens.length === r.labels.length && r.tokens.length === r.segments.length, 'row arrays differ in length');

export const RunnerJob = z.object({
  modelPath: z.string(),
  params: z.record(z.string(), z.number()),
  train: z.array(Row).min(1),
  eval: z.array(Row),
  checkpointPath: z.string().optional(),
  resumeFrom: z.string().optional(),
  adapterPath: z.string(),
  adapterMetadata: z.record(z.string(), z.string()),
});
export type RunnerJob = z.infer<typeof RunnerJob> & { params: NativeTrainerParams & Record<string, number> };

export type ParentMessage = { type: 'start'; job: RunnerJob } | { type: 'cancel' };

export type RunnerMessage =
  | { type: 'started'; startStep: number; totalSteps: number; memory: NativeMemory; initialEvalLoss: number | null; baselineRssBytes: number }
  | { type: 'progress'; progress: NativeProgress }
  | { type: 'done'; status: 'finished' | 'cancelled'; step: number; abortRequestedAtStep: number | null; memory: NativeMemory; finalEvalLoss: number | null }
  | { type: 'error'; message: string };
