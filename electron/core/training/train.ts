/**
 * Training jobs: validate inputs, tokenize with node-llama-cpp in this process, then run the native
 * trainer in a child process and relay its progress. The only entry point the rest of the app needs
 * is startTraining().
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveChatWrapper, type ChatWrapper, type Llama } from 'node-llama-cpp';
import { sharedLlama } from '../inference/llama.js';
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { canonicalJson } from '../common/canonical-json.js';
import { readGguf, metaNumber, metaString } from '../models/gguf/index.js';
import type { NativeMemory } from './addon.js';
import { checkpointHolder } from './checkpoint-lock.js';
import { TrainingExample, packRows, tokenizeExample, type PackedRow } from './dataset.js';
import type { InfluenceSketchProgress, ParentMessage, RunnerJob, RunnerMessage } from './protocol.js';

export const TARGET_BITS = { q: 1, k: 2, v: 4, o: 8, gate: 16, up: 32, down: 64 } as const;
export type LoraTarget = keyof typeof TARGET_BITS;

export const TrainingOptions = z.object({
  modelPath: z.string().min(1),
  examples: z.array(TrainingExample).min(1),
  /** Held-out examples; when absent, evalFraction of `examples` (chosen by seed) is held out. */
  evalExamples: z.array(TrainingExample).optional(),
  evalFraction: z.number().min(0).max(0.5).default(0.1),
  rank: z.number().int().min(1).max(512).default(8),
  alpha: z.number().positive().default(16),
  /** LoRA dropout on the adapters' inputs during training (0 = off). */
  dropout: z.number().min(0).max(0.9).default(0),
  targets: z.array(z.enum(['q', 'k', 'v', 'o', 'gate', 'up', 'down'])).min(1).default(['q', 'k', 'v', 'o']),
  learningRate: z.number().positive().max(1).default(1e-3),
  minLrRatio: z.number().min(0).max(1).default(0.1),
  warmupSteps: z.number().int().min(0).default(0),
  weightDecay: z.number().min(0).max(1).default(0),
  epochs: z.number().int().min(1).max(1000).default(1),
  gradAccum: z.number().int().min(1).max(1024).default(1),
  seqLen: z.number().int().min(8).max(32768).default(512),
  pack: z.boolean().default(true),
  seed: z.number().int().min(0).max(2 ** 52).default(42),
  threads: z.number().int().min(1).max(256).default(() => availableParallelism()),
  /** cuda: node-llama-cpp's CUDA backend on the first NVIDIA GPU (see addon.ts cudaBackendLibrary). */
  device: z.enum(['cpu', 'cuda']).default('cpu'),
  evalEvery: z.number().int().min(0).default(0),
  checkpointEvery: z.number().int().min(0).default(0),
  adapterPath: z.string().min(1),
  /** Where checkpoints go (overwritten atomically); with resume, training continues from it. */
  checkpointPath: z.string().optional(),
  resume: z.boolean().default(false),
  provenance: z.object({ snapshotRoot: z.string().optional(), baseModelSha256: z.string().regex(/^[0-9a-f]{64}$/).optional() }).default({}),
  /**
   * Gradient influence (TracIn): at `checkpoints` evenly spaced steps (the last is the final step)
   * the trainer sketches every example's LoRA gradient into `dim` floats and writes them, with the
   * LoRA parameters of each checkpoint, to `path` (default `<adapterPath>.influence`). Sketches are
   * in the order of `examples`; held-out ones are zero. Does not change the adapter.
   */
  influence: z.object({
    checkpoints: z.number().int().min(1).max(64).default(3),
    dim: z.number().int().min(16).max(1 << 20).default(256),
    seed: z.number().int().min(0).max(2 ** 52).default(0),
    path: z.string().min(1).optional(),
  }).optional(),
});
export type TrainingOptionsInput = z.input<typeof TrainingOptions>;
export type TrainingOptions = z.output<typeof TrainingOptions>;

export interface TrainingProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  evalLoss: number | null;
  learningRate: number;
  gradNorm: number;
  tokensPerSecond: number;
  elapsedSeconds: number;
  etaSeconds: number;
  checkpointWritten: boolean;
  /** 'influence' while gradient sketches are taken at a TracIn checkpoint (training fields repeat the last step's). */
  phase: 'train' | 'influence';
  influence?: InfluenceSketchProgress;
}

export interface TrainingResult {
  status: 'finished' | 'cancelled';
  adapterPath: string | null;
  /** Optimizer steps done (of totalSteps) when the run ended. */
  steps: number;
  /** For a cancelled run: the step the trainer had reached when the cancel arrived. */
  cancelRequestedAtStep: number | null;
  totalSteps: number;
  startStep: number;
  initialEvalLoss: number | null;
  finalEvalLoss: number | null;
  lastLoss: number | null;
  tokensPerSecond: number;
  /** Before training: weights + LoRA state + the reserved graph buffer of the longest row. */
  memoryEstimate: NativeMemory;
  memoryAfter: NativeMemory;
  /** The child's resident set before the model was loaded (Node itself); peak minus this is the trainer's. */
  baselineRssBytes: number;
  configHash: string;
  baseModelSha256: string;
  trainRows: number;
  evalRows: number;
  /** The influence file written next to the adapter (with `influence` options), or null. */
  influencePath: string | null;
  /** The sequence length trained at: the one asked for, or the model's context when that is shorter. */
  seqLen: number;
  /** What the run changed from what was asked, in words for the person who asked (a capped sequence length). */
  notes: string[];
}

export interface TrainingRun {
  /** Process id of the training child (for diagnostics and tests). */
  pid: number;
  result: Promise<TrainingResult>;
}

export interface TrainingDeps {
  llama?: Llama;
  chatWrapper?: ChatWrapper;
  /** Path of the runner script when it is not beside this module (bundled builds). */
  runnerPath?: string;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The held-out split training uses (and evaluation repeats): a seeded shuffle, the first fraction held out. */
export function heldOutSplit<T>(examples: readonly T[], seed: number, evalFraction: number): { train: T[]; held: T[] } {
  if (evalFraction <= 0 || examples.length < 2) return { train: [...examples], held: [] };
  const shuffled = seededShuffle(examples, seed);
  const nEval = Math.max(1, Math.round(shuffled.length * evalFraction));
  return { held: shuffled.slice(0, nEval), train: shuffled.slice(nEval) };
}

function seededShuffle<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}


export interface PreparedRows {
  train: PackedRow[];
  eval: PackedRow[];
  /** Indices into `examples` held out for evaluation (empty when evalExamples is given). */
  heldOut: number[];
  /** With influence options: one unpacked row per example of `examples`, null when held out or nothing is supervised. */
  perExample?: (PackedRow | null)[];
}

/** Tokenizes and packs the examples exactly as node-llama-cpp will see them at inference. */
export async function prepareRows(opts: TrainingOptions, deps: TrainingDeps = {}): Promise<PreparedRows> {
  const llama = deps.llama ?? (await sharedLlama());
  const model = await llama.loadModel({ modelPath: opts.modelPath, vocabOnly: true });
  try {
    const wrapper = deps.chatWrapper ?? resolveChatWrapper(model);
    const tokenized = opts.examples.map((x) => tokenizeExample(model, wrapper, x));
    // The split shuffles indices exactly as it would shuffle the examples themselves.
    let trainIdx = tokenized.map((_, i) => i);
    let heldOut: number[] = [];
    if (!opts.evalExamples) ({ train: trainIdx, held: heldOut } = heldOutSplit(trainIdx, opts.seed, opts.evalFraction));
    const evalTok = opts.evalExamples ? opts.evalExamples.map((x) => tokenizeExample(model, wrapper, x)) : heldOut.map((i) => tokenized[i]!);
    const held = new Set(heldOut);
    return {
      train: packRows(trainIdx.map((i) => tokenized[i]!), opts.seqLen, opts.pack),
      eval: packRows(evalTok, opts.seqLen, opts.pack),
      heldOut,
      ...(opts.influence ? { perExample: tokenized.map((t, i) => (held.has(i) ? null : packRows([t], opts.seqLen, false)[0] ?? null)) } : {}),
    };
  } finally {
    await model.dispose();
  }
}

/** Where the influence file goes: the option, or beside the adapter. */
export function influencePath(opts: Pick<TrainingOptions, 'adapterPath' | 'influence'>): string {
  return opts.influence?.path ?? `${opts.adapterPath}.influence`;
}

function idleProgress(started: { startStep: number; totalSteps: number } | undefined): TrainingProgress {
  return {
    step: started?.startStep ?? 0, totalSteps: started?.totalSteps ?? 0, epoch: 0, loss: NaN, evalLoss: null, learningRate: 0, gradNorm: 0,
    tokensPerSecond: 0, elapsedSeconds: 0, etaSeconds: 0, checkpointWritten: false, phase: 'train',
  };
}

/**
 * The runner script: deps.runnerPath or DATANET_TRAINING_RUNNER when set (bundled hosts build
 * runner.ts as its own entry point), otherwise runner.ts/.js beside this file.
 */
export function runnerEntry(override?: string): { path: string; execArgv: string[] } {
  const given = override ?? process.env.DATANET_TRAINING_RUNNER;
  if (given) return { path: given, execArgv: extname(given) === '.ts' ? ['--import', 'tsx'] : [] };
  const self = fileURLToPath(import.meta.url);
  const path = join(dirname(self), `runner${extname(self)}`);
  const execArgv = [...process.execArgv];
  // Running from TypeScript sources (tests, tsx): the child needs the same loader.
  if (extname(self) === '.ts' && !execArgv.some((a) => a.includes('tsx'))) execArgv.push('--import', 'tsx');
  return { path, execArgv };
}

/**
 * Starts a training run in a child process. onProgress gets one call per optimizer step. Aborting
 * `signal` stops the run within one micro-batch (the adapter is then not written; the last
 * checkpoint, if any, remains for resume).
 */
export async function startTraining(
  input: TrainingOptionsInput, onProgress: (p: TrainingProgress) => void = () => {}, signal?: AbortSignal, deps: TrainingDeps = {},
): Promise<TrainingRun> {
  const parsed = TrainingOptions.safeParse(input);
  if (!parsed.success) throw new AppError('BAD_INPUT', `Invalid training options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const opts = parsed.data;
  // Validate the model file in TypeScript (bounds, tensor table) before any native code opens it.
  const gguf = readGguf(opts.modelPath);
  const arch = metaString(gguf, 'general.architecture');
  if (!['llama', 'mistral', 'qwen2', 'qwen3'].includes(arch)) throw new AppError('BAD_INPUT', `${opts.modelPath}: architecture "${arch}" cannot be trained yet (llama, mistral, qwen2, qwen3).`);
  // The trainer refuses a row longer than the model's context: the default 512 would fail on a small model.
  const notes: string[] = [];
  const contextLength = metaNumber(gguf, `${arch}.context_length`, 0);
  if (contextLength >= 8 && opts.seqLen > contextLength) {
    notes.push(`Sequence length capped at ${contextLength} tokens, the model's context (--seq-len ${opts.seqLen} was asked); longer examples are cut to it.`);
    opts.seqLen = contextLength;
  }

  const holder = opts.checkpointPath ? checkpointHolder(opts.checkpointPath) : null;
  if (holder) {
    // The runner takes the lock itself (that is what makes two writers impossible); this is the early, clear refusal.
    throw new AppError('CONFLICT', `The training checkpoint ${opts.checkpointPath} is being written by another training process (pid ${holder.pid}): wait for it to finish or stop it first.`);
  }
  const resumeFrom = opts.resume && opts.checkpointPath && existsSync(opts.checkpointPath) ? opts.checkpointPath : undefined;
  if (resumeFrom) {
    // A checkpoint is a file native code opens too: validate it the same way first.
    const ckpt = readGguf(resumeFrom);
    if (metaString(ckpt, 'general.type') !== 'datanet.checkpoint') throw new AppError('BAD_INPUT', `${resumeFrom} is not a training checkpoint.`);
  }
  const baseModelSha256 = opts.provenance.baseModelSha256 ?? (await sha256File(opts.modelPath));
  const { train, eval: evalRows, heldOut, perExample } = await prepareRows(opts, deps);
  const heldSet = new Set(heldOut);
  if (train.length === 0) {
    throw new AppError('BAD_INPUT', `No example can be trained on: none keeps any of its response within the sequence length of ${opts.seqLen} tokens (raise it: --seq-len, or Sequence length in Train), or all of them were held out for evaluation.`);
  }
  const config = {
    rank: opts.rank, alpha: opts.alpha, dropout: opts.dropout, targets: [...opts.targets].sort(), learningRate: opts.learningRate, minLrRatio: opts.minLrRatio,
    warmupSteps: opts.warmupSteps, weightDecay: opts.weightDecay, epochs: opts.epochs, gradAccum: opts.gradAccum, seqLen: opts.seqLen,
    pack: opts.pack, seed: opts.seed, evalFraction: opts.evalFraction,
  };
  const configHash = createHash('sha256').update(canonicalJson(config)).digest('hex');
  mkdirSync(dirname(opts.adapterPath), { recursive: true, mode: 0o700 });
  if (opts.checkpointPath) mkdirSync(dirname(opts.checkpointPath), { recursive: true, mode: 0o700 });

  const job: RunnerJob = {
    modelPath: opts.modelPath,
    params: {
      rank: opts.rank, alpha: opts.alpha, dropout: opts.dropout, targets: opts.targets.reduce((m, t) => m | TARGET_BITS[t], 0), learningRate: opts.learningRate,
      minLrRatio: opts.minLrRatio, warmupSteps: opts.warmupSteps, weightDecay: opts.weightDecay, epochs: opts.epochs, gradAccum: opts.gradAccum,
      seed: opts.seed, threads: opts.threads, evalEvery: opts.evalEvery, checkpointEvery: opts.checkpointPath ? opts.checkpointEvery : 0,
      gpu: opts.device === 'cuda' ? 1 : 0,
    },
    train, eval: evalRows,
    ...(opts.checkpointPath ? { checkpointPath: opts.checkpointPath } : {}),
    ...(resumeFrom ? { resumeFrom } : {}),
    adapterPath: opts.adapterPath,
    ...(opts.influence && perExample ? {
      influence: {
        checkpoints: opts.influence.checkpoints, dim: opts.influence.dim, seed: opts.influence.seed, path: influencePath(opts),
        rows: perExample, heldOut, unscored: perExample.flatMap((r, i) => (r === null && !heldSet.has(i) ? [i] : [])),
        seqLen: opts.seqLen, baseModelSha256,
      },
    } : {}),
    adapterMetadata: {
      'general.name': `datanet-lora-${configHash.slice(0, 12)}`,
      'datanet.base_model_sha256': baseModelSha256,
      'datanet.snapshot_root': opts.provenance.snapshotRoot ?? '',
      'datanet.config_hash': configHash,
      'datanet.config': canonicalJson(config),
    },
  };

  const { path, execArgv } = runnerEntry(deps.runnerPath);
  // Inside Electron, process.execPath is the Electron binary: make the child a plain Node process.
  const env = process.versions.electron ? { ...process.env, ELECTRON_RUN_AS_NODE: '1' } : process.env;
  const child: ChildProcess = fork(path, [], { execArgv, env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  if (child.pid === undefined) throw new AppError('INTERNAL', 'Could not start the training process.');
  const stderr = stderrTail(child);
  const result = new Promise<TrainingResult>((resolve, reject) => {
    let started: Extract<RunnerMessage, { type: 'started' }> | undefined;
    let last: TrainingProgress | undefined;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      if (killTimer) clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
      f();
    };
    const onAbort = () => {
      if (child.connected) child.send({ type: 'cancel' } satisfies ParentMessage);
      // The trainer checks its abort flag before every micro-batch; if it is stuck, end it.
      killTimer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });

    child.on('message', (m: RunnerMessage) => {
      if (m.type === 'started') {
        started = m;
      } else if (m.type === 'progress') {
        const p = m.progress;
        const done = p.step - (started?.startStep ?? 0);
        const tokensPerSecond = p.elapsedS > 0 ? p.tokensSeen / p.elapsedS : 0;
        last = {
          step: p.step, totalSteps: p.totalSteps, epoch: p.epoch, loss: p.loss, evalLoss: p.evalLoss, learningRate: p.learningRate,
          gradNorm: p.gradNorm, tokensPerSecond, elapsedSeconds: p.elapsedS, checkpointWritten: p.checkpointWritten,
          etaSeconds: done > 0 ? (p.elapsedS / done) * (p.totalSteps - p.step) : 0, phase: 'train',
        };
        onProgress(last);
      } else if (m.type === 'influence-progress') {
        onProgress({ ...(last ?? idleProgress(started)), phase: 'influence', influence: m.progress });
      } else if (m.type === 'done') {
        finish(() => resolve({
          status: m.status,
          adapterPath: m.status === 'finished' ? opts.adapterPath : null,
          steps: m.step,
          cancelRequestedAtStep: m.abortRequestedAtStep,
          totalSteps: started?.totalSteps ?? 0,
          startStep: started?.startStep ?? 0,
          initialEvalLoss: started?.initialEvalLoss ?? null,
          finalEvalLoss: m.finalEvalLoss,
          lastLoss: last?.loss ?? null,
          tokensPerSecond: last?.tokensPerSecond ?? 0,
          memoryEstimate: started!.memory,
          memoryAfter: m.memory,
          baselineRssBytes: started!.baselineRssBytes,
          configHash, baseModelSha256, trainRows: train.length, evalRows: evalRows.length, influencePath: m.influencePath,
          seqLen: opts.seqLen, notes,
        }));
      } else if (m.type === 'error') {
        finish(() => reject(new AppError(m.code ?? 'INTERNAL', `Training failed: ${m.message}`)));
      }
    });
    // 'close', not 'exit': stderr may still hold ggml's last line when the process has exited.
    child.on('close', (code, sig) => {
      finish(() => reject(new AppError(signal?.aborted ? 'CANCELLED' : 'INTERNAL',
        `The training process ended unexpectedly (${sig ? `signal ${sig}` : `exit code ${code}`})${stderr.reason()}; resume from the last checkpoint if one was written.`)));
    });
    child.on('error', (e) => finish(() => reject(new AppError('INTERNAL', `Training process error: ${e.message}`))));
  });
  child.send({ type: 'start', job } satisfies ParentMessage);
  return { pid: child.pid, result };
}

/**
 * Passes the child's stderr through and keeps its end: when ggml aborts (GGML_ASSERT, a CUDA error)
 * its last words are the only account of why, so they go into the error the caller sees.
 */
function stderrTail(child: ChildProcess): { reason(): string } {
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    process.stderr.write(d);
    tail = (tail + d).slice(-8000);
  });
  return {
    reason() {
      // Skip backtrace frames ("lib.so(+0x1c8eb)[0x7f...]"); keep the assert or error line itself.
      const lines = tail.split('\n').filter((l) => /GGML_ASSERT|CUDA error|error:|failed/i.test(l) && !/\[0x[0-9a-f]+\]\s*$/.test(l));
      return lines.length ? `: ${lines.slice(-2).map((l) => l.trim()).join(' ')}` : '';
    },
  };
}
