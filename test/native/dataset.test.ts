import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveChatWrapper, type Token } from 'node-llama-cpp';
import { packRows, tokenizeExample, TrainingExample } from '../../electron/core/training/index.js';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { loadModel } from './helpers/llama.js';

async function setup() {
  const model = await loadModel(ensureModel({ ...TINY, arch: 'llama', baseType: 'F32' }));
  return { model, wrapper: resolveChatWrapper(model) };
}
const supervisedText = (model: Awaited<ReturnType<typeof setup>>['model'], t: { tokens: number[]; supervised: boolean[] }) =>
  model.detokenize(t.tokens.filter((_, i) => t.supervised[i]) as Token[], true);

test('instruction examples supervise exactly the response and the closing EOS, through the chat template', async () => {
  const { model, wrapper } = await setup();
  const t = tokenizeExample(model, wrapper, { kind: 'instruction', instruction: 'what is the capital of france?', response: 'paris is the capital.' });
  const rendered = model.detokenize(t.tokens as Token[], true);
  assert.ok(rendered.includes('what is the capital of france?'), rendered);
  assert.equal(t.tokens.at(-1), model.tokens.eos);
  assert.equal(supervisedText(model, t).replace(model.detokenize([model.tokens.eos!], true), '').trim(), 'paris is the capital.');
  // Nothing before the response is supervised.
  const firstSupervised = t.supervised.indexOf(true);
  assert.ok(!model.detokenize(t.tokens.slice(firstSupervised) as Token[], true).includes('france?'));
});

test('chat examples supervise every assistant turn and no user or system text', async () => {
  const { model, wrapper } = await setup();
  const t = tokenizeExample(model, wrapper, {
    kind: 'chat', messages: [
      { role: 'system', content: 'you are a small model' },
      { role: 'user', content: 'hello' }, { role: 'assistant', content: 'hello world' },
      { role: 'user', content: 'red or blue?' }, { role: 'assistant', content: 'blue' },
    ],
  });
  const text = supervisedText(model, t);
  assert.ok(text.includes('hello world') && text.includes('blue'), text);
  assert.ok(!text.includes('red or blue') && !text.includes('small model'), text);
});

test('text examples supervise every token after the first', async () => {
  const { model, wrapper } = await setup();
  const t = tokenizeExample(model, wrapper, { kind: 'text', text: 'the cat is red' });
  assert.equal(t.tokens[0], model.tokens.bos);
  assert.deepEqual(t.supervised, t.tokens.map((_, i) => i > 0));
});

test('example schema refuses a chat without an assistant turn', () => {
  assert.equal(TrainingExample.safeParse({ kind: 'chat', messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] }).success, false);
});

test('packing keeps labels inside their example, truncates to seqLen, and can be turned off', () => {
  const ex = (n: number, base: number) => ({ tokens: Array.from({ length: n }, (_, i) => base + i), supervised: Array.from({ length: n }, (_, i) => i >= n / 2) });
  const examples = [ex(6, 100), ex(4, 200), ex(20, 300), ex(3, 400)];
  const rows = packRows(examples, 12);
  assert.deepEqual(rows.map((r) => r.tokens.length), [10, 12, 3]);
  const r0 = rows[0]!;
  assert.deepEqual([...r0.segments], [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  // Example 0 supervises its tokens 3..5 → labels at positions 2..4; its last token predicts nothing.
  assert.deepEqual([...r0.labels], [-1, -1, 103, 104, 105, -1, -1, 202, 203, -1]);
  assert.deepEqual([...rows[1]!.tokens], Array.from({ length: 12 }, (_, i) => 300 + i));
  assert.equal(packRows(examples, 12, false).length, 4);
});
