/** A workspace with the generated tiny model imported, for tests of the local OpenAI-compatible API. */
import type { TestContext } from 'node:test';
import type { ModelInfo } from '../../../electron/shared/models';
import { ensureModel, TINY } from '../../fixtures/models/generate.js';
import { call, jobResult, testCore } from '../../helpers/workspace';
import type { Core } from '../../../electron/core/core';

/** The F32 tiny llama (1024-token context): a few milliseconds a token on an idle core. */
export const tinyModelPath = () => ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' });

export async function workspaceWithTinyModel(t: TestContext, dir?: string): Promise<{ core: Core; model: ModelInfo }> {
  const core = testCore(t, dir);
  const model = await jobResult<ModelInfo>(core, call(core, 'models.import', { path: tinyModelPath(), storage: 'reference' }));
  return { core, model };
}

/** A prompt of `words` one-token words ("▁sun" is a whole piece of the tiny vocabulary). */
export const wordsPrompt = (words: number) => Array.from({ length: words }, () => 'sun').join(' ');
