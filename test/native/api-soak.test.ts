import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { settledRss } from '../helpers/process-memory';
import { tempDir } from '../helpers/workspace';
import { startServeApiProcess, wordsPrompt, workspaceWithTinyModel } from './helpers/served-model';

/**
 * Soak of the local OpenAI-compatible API (issue 19, item 7), on loopback only and bounded: 1,000
 * requests, then it stops. The server is the real `serve-api` command in a child process (so its
 * resident memory is the server's alone, not the test's clients') on the generated tiny model.
 * The mix: bursts of concurrent requests well beyond the queue bound (one client of each leaves
 * while queued), over-long prompts between them, and plain short requests one at a time. Every
 * request must be answered: 200, or 429 when it was beyond the queue, and 400 for each over-long one.
 */

const REQUESTS = 1_000;
// Below the default (8) so that the bursts cost few generations: the bound, not its size, is under test.
const MAX_QUEUED = 2;
const BURSTS = 10;
const BURST_SIZE = 80;
const OVER_LONG = 170;
const WARM_UP = { bursts: 2, overLong: 10, plain: 5 };

interface Figures {
  requests: number;
  ok: number;
  rateLimited: number;
  tooLong: number;
  left: number;
  other: string[];
  /** Wall time spent in each part of the mix, seconds. */
  seconds: { bursts: number; overLong: number; plain: number };
}

function soak(client: OpenAI, model: string, plan: { bursts: number; overLong: number; plain: number }): Promise<Figures> {
  const figures: Figures = { requests: 0, ok: 0, rateLimited: 0, tooLong: 0, left: 0, other: [], seconds: { bursts: 0, overLong: 0, plain: 0 } };
  const timed = async (part: keyof Figures['seconds'], work: Promise<unknown>) => {
    const started = performance.now();
    await work;
    figures.seconds[part] += (performance.now() - started) / 1000;
  };
  const short = (i: number, signal?: AbortSignal) =>
    i % 2 === 0
      ? client.chat.completions.create({ model, messages: [{ role: 'user', content: `color of the sun ${i}?` }], max_tokens: 1, temperature: 0 }, { signal })
      : client.completions.create({ model, prompt: `the sun is ${i}`, max_tokens: 1, temperature: 0 }, { signal });
  const tally = async (request: Promise<unknown>, expect: 'answer' | 'too long' | 'leaves') => {
    figures.requests++;
    try {
      await request;
      figures.ok++;
      if (expect === 'too long') figures.other.push('an over-long prompt was answered 200');
    } catch (e) {
      if (e instanceof OpenAI.RateLimitError && expect !== 'too long') figures.rateLimited++;
      else if (e instanceof OpenAI.BadRequestError && e.code === 'context_length_exceeded' && expect === 'too long') figures.tooLong++;
      else if (e instanceof OpenAI.APIUserAbortError && expect === 'leaves') figures.left++;
      else figures.other.push(`${expect}: ${String(e)}`);
    }
  };
  const overLongPrompt = wordsPrompt(1100);
  const overLong = (i: number) =>
    timed('overLong', tally(
      i % 2 === 0
        ? client.chat.completions.create({ model, messages: [{ role: 'user', content: overLongPrompt }], max_tokens: 1 })
        : client.completions.create({ model, prompt: overLongPrompt, max_tokens: 1 }),
      'too long',
    ));
  const plain = (i: number) => timed('plain', tally(short(i), 'answer'));
  return (async () => {
    let overLongSent = 0;
    let plainSent = 0;
    for (let b = 0; b < plan.bursts; b++) {
      const leaving = new AbortController();
      const burst = Array.from({ length: BURST_SIZE }, (_, i) => (i === BURST_SIZE - 1 ? tally(short(i, leaving.signal), 'leaves') : tally(short(i), 'answer')));
      setTimeout(() => leaving.abort(), 20);
      await timed('bursts', Promise.all(burst));
      // Between bursts, one at a time: this burst's share of the over-long and of the plain requests.
      for (let k = 0; k < Math.ceil(plan.overLong / plan.bursts) && overLongSent < plan.overLong; k++) await overLong(overLongSent++);
      for (let k = 0; k < Math.ceil(plan.plain / plan.bursts) && plainSent < plan.plain; k++) await plain(plainSent++);
    }
    while (overLongSent < plan.overLong) await overLong(overLongSent++);
    while (plainSent < plan.plain) await plain(plainSent++);
    return figures;
  })();
}

test('soak: 1,000 API requests (bursts beyond the queue, over-long prompts); all answered 200/429/400, memory back within 10 %', { timeout: 180_000 }, async (t) => {
  const dir = tempDir(t);
  const { core, model } = await workspaceWithTinyModel(t, dir);
  await core.close();
  const server = await startServeApiProcess(t, ['--workspace', dir, '--max-queued', String(MAX_QUEUED)]);
  const client = new OpenAI({ baseURL: server.url, apiKey: server.key, maxRetries: 0, timeout: 60_000 });
  const explained = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (e) {
      throw new Error(`${(e as Error).message}; ${server.running() ? 'serve-api is still running' : 'serve-api died'}\n${server.output().slice(-3000)}`, { cause: e });
    }
  };

  // Warm-up with the same mix: the model loaded, compiled code, the heap and the allocator's pools
  // at their working size, so the baseline measures what the soak leaves behind.
  const warm = await explained(soak(client, model.id, WARM_UP));
  assert.deepEqual(warm.other, []);
  const before = await settledRss(server.child.pid!);

  const plain = REQUESTS - BURSTS * BURST_SIZE - OVER_LONG;
  const started = Date.now();
  const figures = await explained(soak(client, model.id, { bursts: BURSTS, overLong: OVER_LONG, plain }));
  const wallSeconds = (Date.now() - started) / 1000;
  const after = await settledRss(server.child.pid!);

  const summary =
    `api soak: ${figures.requests} requests in ${wallSeconds.toFixed(1)} s: ${figures.ok} answered 200, ${figures.rateLimited} refused 429 (beyond ${MAX_QUEUED} queued), ` +
    `${figures.tooLong} over-long refused 400, ${figures.left} left while queued ` +
    `(bursts ${figures.seconds.bursts.toFixed(1)} s, over-long ${figures.seconds.overLong.toFixed(1)} s, plain ${figures.seconds.plain.toFixed(1)} s); serve-api RSS ${(before / 1024).toFixed(1)} MiB before, ` +
    `${(after / 1024).toFixed(1)} MiB after (${(((after - before) / before) * 100).toFixed(1)} %)`;
  console.log(summary);
  t.diagnostic(summary);

  assert.ok(server.running(), `serve-api died during the soak:\n${server.output()}`);
  assert.deepEqual(figures.other, [], 'every request got the answer its kind calls for');
  assert.equal(figures.requests, REQUESTS);
  assert.equal(figures.tooLong, OVER_LONG, 'each over-long prompt got 400 context_length_exceeded');
  assert.equal(figures.ok + figures.rateLimited + figures.left, REQUESTS - OVER_LONG);
  assert.ok(figures.rateLimited >= BURSTS * (BURST_SIZE - MAX_QUEUED - 2) / 2, `bursts beyond the queue were refused (${figures.rateLimited} × 429)`);
  assert.ok(figures.ok >= plain + BURSTS, `plain requests and each burst's first were answered (${figures.ok})`);
  assert.ok(after <= before * 1.1, `serve-api's resident memory grew by more than 10 %: ${before} kB before, ${after} kB after`);
  const still = await client.chat.completions.create({ model: model.id, messages: [{ role: 'user', content: 'hello' }], max_tokens: 1 });
  assert.equal(still.object, 'chat.completion');
});
