// The local API refuses what it cannot do, the way OpenAI does, so that the official client raises
// its typed errors: over-long prompts (400), max_tokens past the context (capped, "length"), and more
// requests than a model's queue holds (429 with Retry-After). Real server, real node-llama-cpp.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import OpenAI from 'openai';
import { call } from '../helpers/workspace';
import { wordsPrompt, workspaceWithTinyModel } from './helpers/served-model';

async function servedApi(t: TestContext) {
  const { core, model } = await workspaceWithTinyModel(t);
  const api = await call(core, 'serving.start', {});
  const client = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: api.token!, maxRetries: 0, timeout: 60_000 });
  return { core, model, api, client };
}

const usageOf = async (core: Parameters<typeof call>[0], model: string) => (await call(core, 'serving.usage', {})).items.find((u) => u.model === model);

/** The context the API states in its 400 ("maximum context length is N tokens", as OpenAI words it). */
const statedContext = (e: { message: string }) => Number(/maximum context length is (\d+) tokens/.exec(e.message)?.[1]);

test('a prompt longer than the context is refused with 400 context_length_exceeded (chat, streamed, completions) and is not metered', async (t) => {
  const { core, model, client } = await servedApi(t);
  const tooLong = wordsPrompt(1100);

  const refused = await client.chat.completions.create({ model: model.id, messages: [{ role: 'user', content: tooLong }], max_tokens: 4 }).then(
    (r) => assert.fail(`expected 400, got 200 with usage ${JSON.stringify(r.usage)}`),
    (e: unknown) => e,
  );
  assert.ok(refused instanceof OpenAI.BadRequestError, `expected BadRequestError, got ${String(refused)}`);
  assert.equal(refused.status, 400);
  assert.equal(refused.code, 'context_length_exceeded');
  assert.equal(refused.type, 'invalid_request_error');
  assert.equal(refused.param, 'messages');
  assert.match(refused.message, /maximum context length is \d+ tokens.*1[01]\d\d tokens/s, 'names the context and the prompt size in tokens');
  const context = statedContext(refused);
  assert.ok(context > 0 && context < 1100, `a context below the prompt: ${context}`);

  await assert.rejects(
    client.chat.completions.create({ model: model.id, messages: [{ role: 'user', content: tooLong }], max_tokens: 4, stream: true }),
    (e: unknown) => e instanceof OpenAI.BadRequestError && e.code === 'context_length_exceeded',
    'a streamed request is refused before the stream starts',
  );
  await assert.rejects(
    client.completions.create({ model: model.id, prompt: tooLong, max_tokens: 4 }),
    (e: unknown) => e instanceof OpenAI.BadRequestError && e.code === 'context_length_exceeded' && e.param === 'prompt',
  );
  assert.equal(await usageOf(core, model.id), undefined, 'refused requests did no work and are not metered');

  // A prompt that fits is metered with its real size: at least one token a word, and the metered
  // figures are the ones the response reported.
  const fits = await client.chat.completions.create({ model: model.id, messages: [{ role: 'user', content: wordsPrompt(900) }], max_tokens: 2, temperature: 0 });
  assert.ok(fits.usage!.prompt_tokens >= 900 && fits.usage!.prompt_tokens < context, `prompt_tokens ${fits.usage!.prompt_tokens}`);
  const metered = await usageOf(core, model.id);
  assert.deepEqual(
    { requests: metered?.requests, promptTokens: metered?.promptTokens, completionTokens: metered?.completionTokens },
    { requests: 1, promptTokens: fits.usage!.prompt_tokens, completionTokens: fits.usage!.completion_tokens },
  );
});

test('max_tokens past the room the context leaves is capped there, and finish_reason is "length"', async (t) => {
  const { core, model, client } = await servedApi(t);
  const refused = await client.completions.create({ model: model.id, prompt: wordsPrompt(1100), max_tokens: 1 }).catch((e: { message: string }) => e);
  const context = statedContext(refused as { message: string });
  assert.ok(context > 0, `the 400 states the context: ${JSON.stringify(refused)}`);

  // A prompt a few tokens short of the context, asking for the most the API accepts.
  const prompt = wordsPrompt(context - 40);
  const started = Date.now();
  const capped = await client.chat.completions.create({ model: model.id, messages: [{ role: 'user', content: prompt }], max_tokens: 8192, temperature: 0 });
  const { prompt_tokens: promptTokens, completion_tokens: completionTokens } = capped.usage!;
  assert.ok(promptTokens < context, `prompt ${promptTokens} tokens`);
  assert.equal(promptTokens + completionTokens, context, `answer stopped where the context ends (prompt ${promptTokens} + answer ${completionTokens})`);
  assert.equal(capped.choices[0]!.finish_reason, 'length');
  assert.ok(Date.now() - started < 60_000, 'answers in well under a minute');

  const streamed = await client.completions.create({ model: model.id, prompt: wordsPrompt(context - 4), max_tokens: 8192, temperature: 0, stream: true });
  let finish: string | null = null;
  for await (const chunk of streamed) finish = chunk.choices[0]?.finish_reason ?? finish;
  assert.equal(finish, 'length', 'a streamed completion says why it ended too');

  const short = await client.chat.completions.create({ model: model.id, messages: [{ role: 'user', content: 'color of the sun?' }], max_tokens: 2, temperature: 0 });
  assert.equal(short.usage!.completion_tokens, 2);
  assert.equal(short.choices[0]!.finish_reason, 'length', 'stopped at max_tokens');
  assert.equal((await usageOf(core, model.id))?.requests, 3);
});

/** Settles within `ms` or says it did not. */
const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p.then((v) => ({ settled: true as const, value: v })), new Promise<{ settled: false }>((r) => setTimeout(() => r({ settled: false }), ms).unref())]);

test('each model queues a bounded number of requests: beyond it 429 with Retry-After (RateLimitError); a client that leaves the queue is never run', async (t) => {
  const { core, model, client } = await servedApi(t);
  const ask = (signal?: AbortSignal) =>
    client.chat.completions.create({ model: model.id, messages: [{ role: 'user', content: 'color of the sun?' }], max_tokens: 1, temperature: 0 }, { signal });

  // A long streamed answer holds the model while the others arrive; it is stopped (by leaving) later.
  const holder = new AbortController();
  const stream = await client.chat.completions.create({ model: model.id, messages: [{ role: 'user', content: 'hello' }], max_tokens: 900, temperature: 0, stream: true }, { signal: holder.signal });
  const holding = (async () => {
    try {
      for await (const _ of stream) void _;
    } catch {
      // stopped by the test
    }
  })();

  const leaving = Array.from({ length: 3 }, () => new AbortController());
  const waiting = [...leaving.map((c) => ask(c.signal).catch((e: unknown) => e)), ...Array.from({ length: 5 }, () => ask())];
  const waitingCount = async (n: number) => {
    for (let i = 0; i < 200; i++) {
      if ((await call(core, 'serving.status', {})).waiting === n) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  };
  const eightWaiting = await waitingCount(8);

  const beyond = await within(ask().catch((e: unknown) => e), 10_000);
  assert.ok(beyond.settled, 'a request beyond the bound is answered at once, not queued');
  const limited = beyond.value;
  assert.ok(limited instanceof OpenAI.RateLimitError, `expected RateLimitError, got ${String(limited)}`);
  assert.equal(limited.status, 429);
  assert.equal(limited.code, 'rate_limit_exceeded');
  const retryAfter = Number(limited.headers?.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After in whole seconds: ${limited.headers?.get('retry-after')}`);
  assert.ok(eightWaiting, 'serving.status counts the eight waiting');
  assert.equal((await call(core, 'serving.status', {})).maxQueued, 8, 'and states the bound per model (default 8)');

  // Three leave while queued: their places free up, so three more get in and the next is refused.
  for (const c of leaving) c.abort();
  assert.ok(await waitingCount(5), 'the clients that left are out of the queue');
  const late = Array.from({ length: 3 }, () => ask());
  assert.ok(await waitingCount(8));
  assert.ok((await ask().catch((e: unknown) => e)) instanceof OpenAI.RateLimitError);

  holder.abort();
  await holding;
  const answered = await Promise.all([...waiting.slice(3), ...late]);
  assert.equal(answered.length, 8);
  for (const r of answered) assert.equal((r as OpenAI.ChatCompletion).object, 'chat.completion');
  for (const e of await Promise.all(waiting.slice(0, 3))) assert.ok(e instanceof OpenAI.APIUserAbortError);
  // The holder and the eight answered; the three that left and the two refused did no work.
  assert.equal((await usageOf(core, model.id))?.requests, 9);
});

test('the queue bound is a serving setting (serving.start maxQueued); 0 refuses any request while one runs', async (t) => {
  const { core, model } = await workspaceWithTinyModel(t);
  const api = await call(core, 'serving.start', { maxQueued: 0 });
  const client = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: api.token!, maxRetries: 0, timeout: 60_000 });
  const holder = new AbortController();
  const stream = await client.completions.create({ model: model.id, prompt: 'the sun is', max_tokens: 900, temperature: 0, stream: true }, { signal: holder.signal });
  const iterator = stream[Symbol.asyncIterator]();
  await iterator.next();
  const refused = await within(client.completions.create({ model: model.id, prompt: 'x', max_tokens: 1 }).catch((e: unknown) => e), 10_000);
  holder.abort();
  await iterator.next().catch(() => {});
  assert.ok(refused.settled && refused.value instanceof OpenAI.RateLimitError, `expected RateLimitError at once, got ${refused.settled ? String(refused.value) : 'no answer in 10 s'}`);
});
