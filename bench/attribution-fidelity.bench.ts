// Attribution fidelity with planted facts, through the app: a datanet where ten records each state
// a unique fact (a code no other record has), the rest ordinary filler by three contributors. After
// training, the adapter is asked about each fact; precision@1 is how often a method ranks the
// planted record first. Measured for span matching, gradient influence and both combined, on the
// adapter's own (greedy) answers and on the reference answers, next to chance (1 / records).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAddress } from 'ethers';
import { callOrThrow as call, openCore } from '../electron/core/core';
import { jobResult, settledSpanIndex } from '../test/helpers/workspace';
import type { Attribution } from '../electron/shared/attribution';
import type { ModelInfo } from '../electron/shared/models';
import type { Adapter } from '../electron/shared/training';
import { ensureModel, TINY } from '../test/fixtures/models/generate.js';
import { COLORS, THINGS } from '../test/fixtures/datanets/colors';

const NUMBERS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const PEOPLE = ['0xada0000000000000000000000000000000000001', '0xb000000000000000000000000000000000000002', '0xc700000000000000000000000000000000000003'].map((a) => getAddress(a));
const PLANTED = THINGS.slice(0, 10).map((thing, i) => ({
  thing,
  code: [i, (i * 7 + 3) % 10, (i * 3 + 1) % 10, (i * 9 + 5) % 10].map((d) => NUMBERS[d]).join(' '),
}));
const question = (thing: string) => `what is the secret of the ${thing}?`;
const reference = (p: { thing: string; code: string }) => `the secret of the ${p.thing} is ${p.code}.`;

const dir = mkdtempSync(join(tmpdir(), 'dstudio-bench-fidelity-'));
const core = openCore({ workspaceDir: dir, host: 'cli' });

const { id: datanetId } = await call(core, 'datanets.create', { name: 'planted facts' });
const plantedIds = new Map<string, string>();
for (const [i, thing] of THINGS.entries()) {
  for (const [k, color] of COLORS.entries()) {
    await call(core, 'datanets.addRecord', {
      datanetId,
      contributor: PEOPLE[(i + k) % 3],
      content: { kind: 'instruction', instruction: `what is the color of the ${thing} number ${k}?`, response: `the ${thing} number ${k} is ${color}.` },
    });
  }
}
for (const [i, p] of PLANTED.entries()) {
  const r = await call(core, 'datanets.addRecord', { datanetId, contributor: PEOPLE[i % 3], content: { kind: 'instruction', instruction: question(p.thing), response: reference(p) } });
  plantedIds.set(p.thing, r.id);
}
await call(core, 'datanets.review', { datanetId, allPending: true, decision: 'approve' });
const snapshot = await call(core, 'datanets.createSnapshot', { datanetId });
// The data's words are whole tokens of the generated model (as the demo does), so a fact is a few
// tokens the tiny model can learn rather than a long run of byte tokens.
const words = [...new Set([...THINGS, ...COLORS, ...NUMBERS, 'secret', 'number', 'color', 'what', 'is', 'the', 'of'])];
const model = await jobResult<ModelInfo>(core, call(core, 'models.import', { path: ensureModel({ ...TINY, arch: 'llama', baseType: 'F32', extraWords: words }), storage: 'reference' }));
const trainStart = performance.now();
const { adapter } = await jobResult<{ adapter: Adapter }>(
  core,
  call(core, 'training.start', { modelId: model.id, snapshotId: snapshot.id, settings: { epochs: 16, learningRate: 3e-3, warmupSteps: 10, gradAccum: 2, seqLen: 64, rank: 8, alpha: 16, evalFraction: 0, influenceCheckpoints: 2, seed: 11 } }),
);
const trainSeconds = (performance.now() - trainStart) / 1000;
await settledSpanIndex(core, adapter.id);

type Method = 'span' | 'influence' | 'span+influence';
const METHODS: Record<Method, ('span' | 'influence')[]> = { span: ['span'], influence: ['influence'], 'span+influence': ['span', 'influence'] };
const hits = { generated: { span: 0, influence: 0, 'span+influence': 0 }, reference: { span: 0, influence: 0, 'span+influence': 0 } };
const millis: Record<Method, number[]> = { span: [], influence: [], 'span+influence': [] };
let reproduced = 0;
for (const p of PLANTED) {
  const answered = await jobResult<Attribution>(core, call(core, 'attribution.attribute', { adapterId: adapter.id, prompt: question(p.thing), methods: ['span'], maxTokens: 16 }));
  if (answered.answer.includes(p.code)) reproduced++;
  for (const [kind, answer] of [['generated', answered.answer], ['reference', reference(p)]] as const) {
    for (const [name, methods] of Object.entries(METHODS) as [Method, ('span' | 'influence')[]][]) {
      const a = await jobResult<Attribution>(core, call(core, 'attribution.attribute', { adapterId: adapter.id, prompt: question(p.thing), answer, methods }));
      if (a.records[0]?.recordId === plantedIds.get(p.thing)) hits[kind][name]++;
      if (kind === 'reference') millis[name].push(a.timings.totalMs);
    }
  }
}
await core.close();

const n = PLANTED.length;
const chance = 1 / snapshot.recordCount;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const result = {
  records: snapshot.recordCount,
  plantedFacts: n,
  trainSeconds,
  answersReproducingTheCode: reproduced / n,
  precisionAt1: {
    generatedAnswers: Object.fromEntries(Object.entries(hits.generated).map(([k, v]) => [k, v / n])),
    referenceAnswers: Object.fromEntries(Object.entries(hits.reference).map(([k, v]) => [k, v / n])),
  },
  chancePrecisionAt1: chance,
  meanAttributionMs: Object.fromEntries(Object.entries(millis).map(([k, v]) => [k, mean(v)])),
};
console.log(`Planted-fact attribution: ${n} facts among ${snapshot.recordCount} records (chance precision@1 ${chance.toFixed(3)}); trained in ${trainSeconds.toFixed(1)} s`);
console.log(`  adapter answers reproducing the planted code: ${(100 * result.answersReproducingTheCode).toFixed(0)}%`);
for (const m of Object.keys(METHODS) as Method[]) {
  const g = hits.generated[m] / n;
  const r = hits.reference[m] / n;
  console.log(`  ${m.padEnd(15)} precision@1 ${g.toFixed(2)} on the adapter's answers, ${r.toFixed(2)} on reference answers (${(r / chance).toFixed(0)}x chance); ${mean(millis[m]).toFixed(0)} ms per answer`);
}
mkdirSync('test-output/bench', { recursive: true });
writeFileSync('test-output/bench/attribution-fidelity.json', `${JSON.stringify(result, null, 2)}\n`);
rmSync(dir, { recursive: true, force: true });
