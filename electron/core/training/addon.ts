/**
 * Loads the native trainer addon built by `npm run build:native`. Only electron/core/training may
 * load it (see ARCHITECTURE.md), and the app only does so inside the training child process,
 * since a GGML_ASSERT in ggml aborts the whole process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';

export interface NativeTrainerParams {
  rank?: number; alpha?: number; dropout?: number; targets?: number; fastFrozenBackward?: 0 | 1 | 2; learningRate?: number; minLrRatio?: number; warmupSteps?: number;
  weightDecay?: number; beta1?: number; beta2?: number; eps?: number; gradAccum?: number; epochs?: number;
  seed?: number; threads?: number; evalEvery?: number; checkpointEvery?: number;
  /**
   * Vocabulary rows per chunk of the output projection + cross-entropy: 0 automatic (CPU; a GPU keeps
   * the dense loss), -1 ggml's dense cross-entropy over one-hot labels (the reference), > 0 that many.
   */
  lossChunk?: number;
  /** 1: train on the first GPU device (loadGpuBackend first); 0: the CPU. */
  gpu?: 0 | 1;
}

export interface NativeProgress {
  step: number; totalSteps: number; epoch: number; loss: number; learningRate: number; gradNorm: number;
  evalLoss: number | null; tokensSeen: number; elapsedS: number; checkpointWritten: boolean;
}

export interface NativeTrainOutcome {
  status: 'finished' | 'aborted';
  /** Optimizer steps done when train() returned. */
  step: number;
  /** The step reached when abort() was called, or null. */
  abortRequestedAtStep: number | null;
}

export interface NativeMemory { weightsBytes: number; loraBytes: number; computeBytes: number; estimateBytes: number; peakRssBytes: number }

export interface NativeTrainer {
  /** set: 0 train, 1 held-out eval. labels[i] = token to predict at i, or -1. */
  addRow(set: 0 | 1, tokens: Int32Array, labels: Int32Array, segments: Int32Array): void;
  rowCount(set: 0 | 1): number;
  evalRow(tokens: Int32Array, labels: Int32Array, segments: Int32Array): { sumNll: number; count: number };
  evalSet(set: 0 | 1): number;
  computeGrad(row: number): number;
  params(): { name: string; size: number }[];
  getParam(i: number): Float32Array;
  setParam(i: number, values: Float32Array): void;
  getGrad(i: number): Float32Array;
  /**
   * CountSketch (dim floats, seeded) of the gradient of one example's mean loss over its labelled
   * tokens w.r.t. every LoRA parameter, at the current parameters, without dropout or an update.
   */
  gradSketch(tokens: Int32Array, labels: Int32Array, segments: Int32Array, dim: number, seed: number): { sketch: Float32Array; loss: number };
  /** The learning rate of optimizer step `step` (0-based) under the warmup + cosine schedule. */
  learningRateAt(step: number): number;
  /** With stopStep, pauses once that many optimizer steps are done (a later call continues exactly). */
  train(onProgress: (p: NativeProgress) => void, checkpointPath?: string, stopStep?: number): Promise<NativeTrainOutcome>;
  abort(): void;
  saveCheckpoint(path: string): void;
  loadCheckpoint(path: string): void;
  saveAdapter(path: string, metadata: Record<string, string>): void;
  memory(): NativeMemory;
  steps(): { current: number; total: number };
  free(): void;
}

export interface NativeAddon {
  Trainer: new (modelPath: string, params: NativeTrainerParams, backendsDir: string) => NativeTrainer;
  matmulGflops(n: number, reps: number, threads: number, backendsDir: string, gpu?: boolean): number;
  /** Loads a ggml GPU backend library; returns the GPU devices it registered. Throws the loader's reason. */
  loadGpuBackend(libraryPath: string): number;
  /** The CPU backend's extra buffer types (e.g. CPU_REPACK, AMX), once a CPU backend is loaded. */
  cpuExtraBufferTypes(): string[];
  TARGETS: Record<'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down', number>;
}

const BuildInfo = z.object({
  addon: z.string(), backendsDir: z.string(), llamaCppCommit: z.string(), nodeLlamaCpp: z.string(),
  /** libggml-cuda.so built from the same source (`DATANET_CUDA=1 npm run build:native`). */
  cudaBackend: z.string().optional(),
});

/**
 * The native/ folder: DATANET_NATIVE_DIR when set (bundled hosts, where import.meta.url is not a
 * source path), otherwise found from this source file (electron/core/training → repo root).
 */
function nativeDir(): string {
  const env = process.env.DATANET_NATIVE_DIR;
  if (env) return resolve(env);
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'native');
}

let cached: { addon: NativeAddon; backendsDir: string; cudaBackend: string | null } | undefined;

export function loadAddon(): { addon: NativeAddon; backendsDir: string; cudaBackend: string | null } {
  if (cached) return cached;
  const infoPath = join(nativeDir(), 'build', 'build-info.json');
  if (!existsSync(infoPath)) throw new AppError('NOT_AVAILABLE', `The native trainer is not built (${infoPath} missing): run \`npm run build:native\`.`);
  const info = BuildInfo.parse(JSON.parse(readFileSync(infoPath, 'utf8')));
  const require = createRequire(infoPath);
  // build-info.json records where the build happened; a packaged or moved app finds the same files
  // relative to its own native/ folder and its node-llama-cpp package instead.
  const addonPath = existsSync(info.addon) ? info.addon : join(nativeDir(), 'build', 'Release', basename(info.addon));
  const addon = require(addonPath) as NativeAddon;
  const backendsDir = existsSync(info.backendsDir) ? info.backendsDir : relocatedBackends(require, info.backendsDir);
  cached = { addon, backendsDir, cudaBackend: cudaBackendLibrary({ backendsDir, built: info.cudaBackend }) };
  return cached;
}

/** A folder inside an @node-llama-cpp/<platform> package: the node_modules holding it, the platform, the path inside. */
function nodeLlamaCppBins(dir: string): { modules: string; platform: string; inPackage: string } | null {
  const m = /^(.*)[\\/]@node-llama-cpp[\\/]([^\\/]+)[\\/](bins[\\/].+)$/.exec(dir);
  return m ? { modules: m[1]!, platform: m[2]!, inPackage: m[3]! } : null;
}

/** The prebuilt ggml backends folder of the installed @node-llama-cpp/<platform> package. */
function relocatedBackends(require: NodeJS.Require, recorded: string): string {
  const bins = nodeLlamaCppBins(recorded);
  if (!bins) return recorded;
  try {
    // The package exports only its entry (dist/index.js), not package.json: its root is two levels up.
    return join(dirname(dirname(require.resolve(`@node-llama-cpp/${bins.platform}`))), bins.inPackage);
  } catch {
    return recorded;
  }
}

/**
 * The ggml CUDA backend the trainer loads for `device: 'cuda'`, first found of: DATANET_CUDA_BACKEND
 * (a libggml-cuda.so), the one `DATANET_CUDA=1 npm run build:native` built from the bundled source,
 * and node-llama-cpp's prebuilt (the @node-llama-cpp/<platform>-cuda package beside the CPU one),
 * which needs no compiler, only an NVIDIA driver and the CUDA 13 runtime (cudart, cublas). All are
 * the same ggml commit as the CPU libraries the addon links.
 */
export function cudaBackendLibrary({ backendsDir, built }: { backendsDir: string; built?: string | undefined }): string | null {
  const env = process.env.DATANET_CUDA_BACKEND;
  if (env) return env;
  if (built && existsSync(built)) return built;
  const bins = nodeLlamaCppBins(backendsDir);
  if (!bins) return null;
  const platform = `${bins.platform}-cuda`;
  const file = join(bins.modules, '@node-llama-cpp', platform, 'bins', platform, 'libggml-cuda.so');
  return existsSync(file) ? file : null;
}

const gpuDevices = new Map<NativeAddon, number>();

/** Loads the CUDA backend into the addon once; a clear NOT_AVAILABLE error when it cannot be used here. */
export function loadCudaBackend({ addon, backendsDir, cudaBackend }: { addon: NativeAddon; backendsDir: string; cudaBackend: string | null }): number {
  const known = gpuDevices.get(addon);
  if (known !== undefined) return known;
  const library = cudaBackend;
  if (!library) {
    throw new AppError('NOT_AVAILABLE', `CUDA training needs a ggml CUDA backend: node-llama-cpp's CUDA package (@node-llama-cpp/${process.platform}-${process.arch}-cuda) is not installed beside ${backendsDir}, and none was built (DATANET_CUDA=1 npm run build:native).`);
  }
  let n: number;
  try {
    n = addon.loadGpuBackend(library);
  } catch (e) {
    throw new AppError('NOT_AVAILABLE', `CUDA is not usable on this machine: ${(e as Error).message}`);
  }
  if (n === 0) throw new AppError('NOT_AVAILABLE', `CUDA is not usable on this machine: ${library} loaded but found no NVIDIA GPU.`);
  gpuDevices.set(addon, n);
  return n;
}
