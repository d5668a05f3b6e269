// Serving many adapters on one base (SmolLM2-135M shapes, Q8_0): generation speed with and without
// an adapter, resident memory with 1, 10 and 100 adapters loaded next to the base alone, and the
// latency of switching to an adapter not yet loaded versus one already loaded.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTraining } from '../electron/core/training/index.js';
import { ensureModel, PRESETS } from '../test/fixtures/models/generate.js';

// Keep every adapter loaded while measuring memory per adapter; the LRU is applied explicitly below.
process.env.DATANET_MAX_LOADED_ADAPTERS = '1000';
const { chat, loadModel, loadedAdapters, openContext, releaseIdleAdapters } = await import('../electron/core/inference/engine.js');
const dir = mkdtempSync(join(tmpdir(), 'dstudio-bench-serving-'));
const modelPath = ensureModel({ ...PRESETS['smollm2-135m'], baseType: 'Q8_0' });
const rssMiB = () => process.memoryUsage().rss / 2 ** 20;

// One real adapter (all seven projections, rank 16), trained briefly; copies stand for other adapters
// (node-llama-cpp keys loaded adapters by file path, so each copy loads separately).
const run = await startTraining({
  modelPath,
  examples: Array.from({ length: 8 }, (_, i) => ({ kind: 'instruction' as const, instruction: `question ${i}?`, response: `answer ${i}.` })),
  evalFraction: 0,
  rank: 16,
  targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'],
  epochs: 1,
  seqLen: 64,
  adapterPath: join(dir, 'adapter-0.gguf'),
});
const trained = await run.result;
const adapters = Array.from({ length: 100 }, (_, i) => {
  const p = join(dir, `adapter-${i}.gguf`);
  if (i > 0) copyFileSync(trained.adapterPath!, p);
  return p;
});
const adapterMiB = statSync(adapters[0]!).size / 2 ** 20;

const prompt = [{ role: 'user' as const, content: 'Tell me about the weather today in a few sentences.' }];
async function speed(adapterPath?: string) {
  let best = 0;
  for (let i = 0; i < 3; i++) {
    const r = await chat({ modelPath, adapterPath, messages: prompt, maxTokens: 64, temperature: 0 });
    best = Math.max(best, r.tokensPerSecond);
  }
  return best;
}

await loadModel(modelPath);
global.gc?.();
const baseRss = rssMiB();
const baseTps = await speed();
const adapterTps = await speed(adapters[0]);

// Adapters stay loaded on the model once a context has used them.
const memory: Record<number, number> = {};
const swapCold: number[] = [];
let loadedCount = 0;
for (const target of [1, 10, 100]) {
  for (; loadedCount < target; loadedCount++) {
    const t0 = performance.now();
    const { close } = await openContext({ modelPath, adapterPath: adapters[loadedCount], contextSize: 256 });
    swapCold.push(performance.now() - t0);
    await close();
  }
  global.gc?.();
  memory[target] = rssMiB();
}
const swapWarm: number[] = [];
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  const { close } = await openContext({ modelPath, adapterPath: adapters[i % 10], contextSize: 256 });
  swapWarm.push(performance.now() - t0);
  await close();
}
// The app's LRU keeps 16 by default: releasing the idle rest.
await releaseIdleAdapters(await loadModel(modelPath), 16);
global.gc?.();
const afterLru = rssMiB();
const keptAfterLru = loadedAdapters(await loadModel(modelPath)).length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const figures = {
  model: 'SmolLM2-135M shapes, Q8_0, CPU',
  adapterFileMiB: Number(adapterMiB.toFixed(2)),
  generation: { baseTokensPerSecond: Number(baseTps.toFixed(1)), adapterTokensPerSecond: Number(adapterTps.toFixed(1)), adapterOverheadRatio: Number((baseTps / adapterTps).toFixed(3)) },
  residentMiB: { baseOnly: Math.round(baseRss), adapters1: Math.round(memory[1]!), adapters10: Math.round(memory[10]!), adapters100: Math.round(memory[100]!) },
  withLru: { keptLoaded: keptAfterLru, residentMiB: Math.round(afterLru) },
  perExtraAdapterMiB: Number(((memory[100]! - memory[1]!) / 99).toFixed(2)),
  perExtraAdapterVsFileSize: Number(((memory[100]! - memory[1]!) / 99 / adapterMiB).toFixed(2)),
  swapMs: { firstUseMedian: Number(median(swapCold).toFixed(1)), alreadyLoadedMedian: Number(median(swapWarm).toFixed(1)) },
};
console.log(`Serving adapters on one base (${figures.model}; adapter file ${figures.adapterFileMiB} MiB):`);
console.log(`  generation   base ${figures.generation.baseTokensPerSecond} tokens/s, base+adapter ${figures.generation.adapterTokensPerSecond} tokens/s (base/adapter = ${figures.generation.adapterOverheadRatio})`);
console.log(`  resident     base ${figures.residentMiB.baseOnly} MiB; with 1 / 10 / 100 adapters ${figures.residentMiB.adapters1} / ${figures.residentMiB.adapters10} / ${figures.residentMiB.adapters100} MiB`);
console.log(`  with LRU     ${figures.withLru.keptLoaded} adapters kept loaded after 100 were used: ${figures.withLru.residentMiB} MiB`);
console.log(`  per adapter  ${figures.perExtraAdapterMiB} MiB resident = ${figures.perExtraAdapterVsFileSize}x its file size`);
console.log(`  swap         first use ${figures.swapMs.firstUseMedian} ms, already loaded ${figures.swapMs.alreadyLoadedMedian} ms (median context creation)`);
mkdirSync('test-output/bench', { recursive: true });
writeFileSync('test-output/bench/serving.json', JSON.stringify(figures, null, 2));
rmSync(dir, { recursive: true, force: true });
process.exit(0);
