import type { ChatAnswer, EvaluationResult } from '../../shared/inference';
import { DEFAULT_EVAL_SPLIT } from '../../shared/training';
import type { Job } from '../../shared/jobs';
import type { SnapshotStore } from '../datanets/snapshots';
import type { JobManager } from '../jobs/manager';
import type { ModelRegistry } from '../models/registry';
import type { TrainingRuns } from '../training/app-runs';
import { snapshotExamples } from '../training/examples';
import type { ChatMessage } from './engine.js';
import type { Db } from '../db/open';
import { assertServable } from '../lineage/consent-settings';

interface Choice {
  modelId?: string;
  modelPath?: string;
  adapterId?: string;
  adapterScale: number;
}

/** Chat and evaluation as jobs, on registered models and adapters. node-llama-cpp loads on first use. */
export class InferenceService {
  constructor(
    private readonly d: {
      db: Db;
      jobs: JobManager;
      models: ModelRegistry;
      training: TrainingRuns;
      snapshots: SnapshotStore;
      /** An adapter's answer was made: its attribution receipt's digest, or null. */
      onAnswer?: (a: { adapterId: string; prompt: string; answer: string; usageTokens: number }) => Promise<string | null>;
    },
  ) {}

  /** The model file and adapter a request names; an adapter alone means the base it was trained on. */
  private resolve(c: Choice) {
    const adapter = c.adapterId ? this.d.training.getAdapter(c.adapterId) : null;
    const modelPath = c.modelId ? this.d.models.get(c.modelId).file : (c.modelPath ?? adapter!.baseModelPath);
    return { modelPath, adapter, load: { modelPath, ...(adapter ? { adapterPath: adapter.file, adapterScale: c.adapterScale } : {}) } };
  }

  chat(i: Choice & { messages: ChatMessage[]; maxTokens: number; temperature: number; seed?: number }): Job {
    const { modelPath, adapter, load } = this.resolve(i);
    // The playground refuses what the API refuses: adapters trained on revoked data, when set to.
    if (adapter) assertServable({ db: this.d.db, adapterId: adapter.id });
    return this.d.jobs.start({
      kind: 'inference.chat',
      title: 'Chat',
      unit: 'characters',
      keepsPartialResult: true,
      run: async (ctx): Promise<ChatAnswer> => {
        const { chat } = await import('./engine.js');
        let text = '';
        const r = await chat({
          ...load,
          messages: i.messages,
          maxTokens: i.maxTokens,
          temperature: i.temperature,
          seed: i.seed,
          signal: ctx.signal,
          onText: (chunk) => {
            text += chunk;
            ctx.progress(text.length, null, text);
          },
        });
        const prompt = i.messages.at(-1)!.content;
        const receiptDigest = adapter && this.d.onAnswer && r.text ? await this.d.onAnswer({ adapterId: adapter.id, prompt, answer: r.text, usageTokens: r.completionTokens }) : null;
        return { ...r, modelPath, adapterId: adapter?.id ?? null, receiptDigest, ...(ctx.signal.aborted ? { stopped: true } : {}) };
      },
    });
  }

  evaluate(i: Choice & { snapshotId: string; split: 'held-out' | 'all'; accuracy: boolean }): Job {
    const { modelPath, adapter, load } = this.resolve(i);
    const split = adapter?.settings ?? DEFAULT_EVAL_SPLIT;
    const examples = snapshotExamples(this.d.snapshots, i.snapshotId);
    return this.d.jobs.start({
      kind: 'inference.evaluate',
      title: `Evaluate on snapshot ${i.snapshotId}`,
      unit: 'examples',
      run: async (ctx): Promise<EvaluationResult> => {
        const { heldOutSplit } = await import('../training/train.js');
        const chosen = i.split === 'all' ? examples : heldOutSplit(examples, split.seed, split.evalFraction).held;
        const { evaluateExamples } = await import('./evaluate.js');
        const r = await evaluateExamples({ ...load, examples: chosen, accuracy: i.accuracy, signal: ctx.signal, onProgress: (n) => ctx.progress(n, chosen.length) });
        return { snapshotId: i.snapshotId, split: i.split, modelPath, adapterId: adapter?.id ?? null, ...r };
      },
    });
  }
}
