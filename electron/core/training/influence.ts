/**
 * Gradient influence (TracIn over checkpoints) of every training example on one answer.
 *
 * score_i = Σ_c w_c · <S g_c(answer), S g_c(example_i)>, where g_c is the gradient of an example's
 * mean loss over its supervised tokens w.r.t. the LoRA parameters at TracIn checkpoint c, S the
 * CountSketch the trainer used (influence-file.ts), and w_c the sum of the learning rates of the
 * steps checkpoint c stands for. Positive: training on example i lowered the answer's loss.
 *
 * The answer's gradients need the native trainer, so they are taken in the runner child process
 * (ggml reports broken invariants with abort()); tokenization happens here with node-llama-cpp, as
 * for training, so the answer is tokenized exactly as the examples were.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { resolveChatWrapper, type ChatWrapper, type LlamaModel } from 'node-llama-cpp';
import { AppError } from '../../shared/errors.js';
import { sharedLlama } from '../inference/llama.js';
import { TrainingExample, packRows, tokenizeExample } from './dataset.js';
import { readInfluenceHeader, type InfluenceCheckpoint } from './influence-file.js';
import type { ParentMessage, RunnerMessage } from './protocol.js';
import { runnerEntry, type TrainingDeps } from './train.js';

export interface InfluenceScores {
  /** One score per training example, in the order the examples were given to startTraining. */
  scores: number[];
  checkpoints: InfluenceCheckpoint[];
  dim: number;
  /** Examples not trained on (held out) or with nothing supervised: their score is 0 by construction. */
  heldOut: number[];
  unscored: number[];
  /** The answer's mean loss per supervised token under the final adapter. */
  queryLoss: number;
  /** Time to score this answer, tokenization and the child's gradient and dot products included. */
  millis: number;
}

export interface InfluenceScorer {
  /** Scores one answer; instruction/response or chat, tokenized as training did. */
  score(query: TrainingExample, signal?: AbortSignal): Promise<InfluenceScores>;
  close(): Promise<void>;
}

export interface OpenInfluenceInput {
  modelPath: string;
  influencePath: string;
  threads?: number;
}

/**
 * Opens an influence file in a runner child that stays up for many answers (the file is read and
 * checked once). Close it when done.
 */
export async function openInfluenceScorer(input: OpenInfluenceInput, deps: Pick<TrainingDeps, 'llama' | 'chatWrapper' | 'runnerPath'> = {}): Promise<InfluenceScorer> {
  // Header first, in this process: a clear error before any child or native code starts.
  readInfluenceHeader(input.influencePath);
  const llama = deps.llama ?? (await sharedLlama());
  const model: LlamaModel = await llama.loadModel({ modelPath: input.modelPath, vocabOnly: true });
  let child: ChildProcess | undefined;
  try {
    const wrapper: ChatWrapper = deps.chatWrapper ?? resolveChatWrapper(model);
    const { path, execArgv } = runnerEntry(deps.runnerPath);
    const env = process.versions.electron ? { ...process.env, ELECTRON_RUN_AS_NODE: '1' } : process.env;
    const c = fork(path, [], { execArgv, env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child = c;
    const pending = new Map<number, { resolve: (m: Extract<RunnerMessage, { type: 'influence-scores' }>) => void; reject: (e: Error) => void }>();
    let exited: Error | null = null;
    const ready = new Promise<Extract<RunnerMessage, { type: 'influence-ready' }>>((resolve, reject) => {
      c.on('message', (m: RunnerMessage) => {
        if (m.type === 'influence-ready') resolve(m);
        else if (m.type === 'influence-scores') { pending.get(m.id)?.resolve(m); pending.delete(m.id); }
        else if (m.type === 'error') {
          const e = new AppError(m.code ?? 'INTERNAL', `Influence scoring failed: ${m.message}`);
          if (m.id !== undefined) { pending.get(m.id)?.reject(e); pending.delete(m.id); } else reject(e);
        }
      });
      c.on('exit', (code, sig) => {
        exited = new AppError('INTERNAL', `The influence process ended (${sig ? `signal ${sig}` : `exit code ${code}`}).`);
        reject(exited);
        for (const p of pending.values()) p.reject(exited);
        pending.clear();
      });
      c.on('error', (e) => reject(new AppError('INTERNAL', `Influence process error: ${e.message}`)));
    });
    c.send({ type: 'influence-open', job: { modelPath: input.modelPath, influencePath: input.influencePath, threads: input.threads ?? availableParallelism() } } satisfies ParentMessage);
    const info = await ready;
    let nextId = 0;
    const score = async (query: TrainingExample, signal?: AbortSignal): Promise<InfluenceScores> => {
      const t0 = performance.now();
      const parsed = TrainingExample.safeParse(query);
      if (!parsed.success) throw new AppError('BAD_INPUT', `Invalid influence query: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      if (signal?.aborted) throw new AppError('CANCELLED', 'Influence scoring was cancelled.');
      if (exited) throw exited;
      const row = packRows([tokenizeExample(model, wrapper, parsed.data)], info.seqLen, false)[0];
      if (!row) throw new AppError('BAD_INPUT', `The answer has no tokens left to score within ${info.seqLen} tokens.`);
      const id = nextId++;
      const reply = await new Promise<Extract<RunnerMessage, { type: 'influence-scores' }>>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // One answer takes a few gradient passes; a cancel stops waiting (the child finishes it and it is dropped).
        signal?.addEventListener('abort', () => { pending.delete(id); reject(new AppError('CANCELLED', 'Influence scoring was cancelled.')); }, { once: true });
        c.send({ type: 'influence-query', id, row } satisfies ParentMessage);
      });
      return {
        scores: Array.from(reply.scores), checkpoints: info.checkpoints, dim: info.dim, heldOut: info.heldOut, unscored: info.unscored,
        queryLoss: reply.queryLoss, millis: performance.now() - t0,
      };
    };
    const close = async () => {
      if (!exited && c.connected) {
        const gone = new Promise<void>((resolve) => c.once('exit', () => resolve()));
        c.send({ type: 'close' } satisfies ParentMessage);
        await gone;
      }
      await model.dispose();
    };
    return { score, close };
  } catch (e) {
    child?.kill('SIGKILL');
    await model.dispose();
    throw e;
  }
}

export interface ScoreInfluenceInput extends OpenInfluenceInput {
  query: TrainingExample;
  signal?: AbortSignal;
}

/** Scores one answer against every training example (opens and closes a scorer; use openInfluenceScorer for many). */
export async function scoreInfluence(input: ScoreInfluenceInput, deps: Pick<TrainingDeps, 'llama' | 'chatWrapper' | 'runnerPath'> = {}): Promise<InfluenceScores> {
  const t0 = performance.now();
  if (input.signal?.aborted) throw new AppError('CANCELLED', 'Influence scoring was cancelled.');
  const scorer = await openInfluenceScorer(input, deps);
  try {
    const r = await scorer.score(input.query, input.signal);
    return { ...r, millis: performance.now() - t0 };
  } finally {
    await scorer.close();
  }
}
