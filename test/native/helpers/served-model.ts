/** A workspace with the generated tiny model imported, for tests of the local OpenAI-compatible API. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { ModelInfo } from '../../../electron/shared/models';
import { ensureModel, TINY } from '../../fixtures/models/generate.js';
import { REPO_ROOT, call, jobResult, testCore } from '../../helpers/workspace';
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

/** `serve-api` as a child process (its own memory to measure), resolved once it printed its URL and key; stopped when the test ends. */
export function startServeApiProcess(t: TestContext, args: string[]): Promise<{ child: ChildProcess; url: string; key: string; running(): boolean; output(): string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/core/bin/cli.ts'), 'serve-api', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    child.kill('SIGKILL');
  });
  let out = '';
  const running = () => child.exitCode === null && child.signalCode === null;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve-api did not print its key in 60 s:\n${out}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => (out += String(d)));
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d);
      const url = /base URL:\s+(\S+)/.exec(out)?.[1];
      const key = /API key:\s+(\S+)/.exec(out)?.[1];
      if (url && key) {
        clearTimeout(timer);
        resolve({ child, url, key, running, output: () => out });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve-api exited ${code}:\n${out}`));
    });
  });
}
