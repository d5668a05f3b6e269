import assert from 'node:assert/strict';
import { settledRss } from '../helpers/process-memory';
import { test } from 'node:test';
import { clientFrame, openRawWebSocket, PROTOCOL_GARBAGE, rawCall, type RawTarget, type RawWebSocket } from '../helpers/raw-websocket';
import { startServeProcess } from '../helpers/serve-process';
import { tempDir } from '../helpers/workspace';

/**
 * Soak of serve's WebSocket transport (issue 19, item 7), on loopback only and bounded: a fixed
 * number of calls, then it stops. 20 clients make 10,000 contract calls in all against a real
 * serve process, with about 1 % garbage frames between them: malformed JSON or contract frames,
 * and the five protocol violations of the transport-faults test. A client that sent garbage loses
 * its own connection (the server closes it) and reconnects; every legitimate call must be answered.
 */

const CLIENTS = 20;
const CALLS = 10_000;
const GARBAGE_EVERY = 100; // ~1 % of frames
const WARM_UP_CALLS = 1_000;

const CONTRACT_GARBAGE: Record<string, () => Buffer> = {
  'malformed JSON': () => clientFrame(Buffer.from('{"type":"call","id":1,')),
  'a frame that is not a call': () => clientFrame(Buffer.from('{"type":"call","id":-1,"method":"app.getInfo"}')),
  'a binary blob': () => clientFrame(Buffer.from([0x00, 0xff, 0x10, 0x80]), { opcode: 0x2 }),
};
const GARBAGE = Object.entries({ ...CONTRACT_GARBAGE, ...PROTOCOL_GARBAGE });

/** Deterministic, so a failing run can be repeated frame for frame. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface Figures {
  calls: number;
  answered: number;
  garbage: number;
  reconnects: number;
}

/** `clients` clients making `calls` calls in all, a garbage frame before about one call in GARBAGE_EVERY. */
async function load(target: RawTarget, datanetId: string, clients: number, calls: number, seed: number): Promise<Figures> {
  const random = mulberry32(seed);
  const figures: Figures = { calls: 0, answered: 0, garbage: 0, reconnects: 0 };
  const methods: [string, unknown][] = [
    ['app.getInfo', {}],
    ['datanets.list', {}],
    ['datanets.get', { id: datanetId }],
    ['datanets.listRecords', { datanetId, limit: 5 }],
    ['jobs.list', {}],
    // Answered with an error, but answered: a well-formed call to nothing is not garbage.
    ['no.such.method', {}],
  ];
  // Each client's share of the calls and, decided up front, which of them a garbage frame precedes.
  const plans = Array.from({ length: clients }, (_, c) =>
    Array.from({ length: Math.floor(calls / clients) + (c < calls % clients ? 1 : 0) }, () => (random() < 1 / GARBAGE_EVERY ? GARBAGE[Math.floor(random() * GARBAGE.length)]! : null)),
  );
  await Promise.all(
    plans.map(async (plan) => {
      let ws: RawWebSocket = await openRawWebSocket(target);
      try {
        for (let i = 0; i < plan.length; i++) {
          const garbage = plan[i];
          if (garbage) {
            const [kind, frame] = garbage;
            ws.sendRaw(frame());
            figures.garbage++;
            const code = await ws.closed;
            assert.notEqual(code, null, `the server closed the connection after "${kind}" without a close code`);
            ws = await openRawWebSocket(target);
            figures.reconnects++;
          }
          const [method, input] = methods[i % methods.length]!;
          figures.calls++;
          const result = await rawCall(ws, method, input);
          assert.equal(result.ok, method !== 'no.such.method', `${method}: ${JSON.stringify(result)}`);
          figures.answered++;
        }
      } finally {
        ws.destroy();
      }
    }),
  );
  return figures;
}

test('soak: 20 clients, 10k WebSocket calls with ~1 % garbage frames; every call answered, memory back within 10 %', { timeout: 240_000 }, async (t) => {
  const serve = await startServeProcess(t, ['--workspace', tempDir(t)]);
  const target: RawTarget = { port: serve.port, host: `127.0.0.1:${serve.port}`, token: serve.token };
  const setup = await openRawWebSocket(target);
  const created = await rawCall(setup, 'datanets.create', { name: 'soak' });
  assert.equal(created.ok, true, JSON.stringify(created));
  const datanetId = (created.value as { id: string }).id;
  for (let i = 0; i < 20; i++) {
    const added = await rawCall(setup, 'datanets.addRecord', { datanetId, content: { kind: 'text', text: `Soak record ${i}: the weather was fine.` } });
    assert.equal(added.ok, true, JSON.stringify(added));
  }
  setup.destroy();
  const explained = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (e) {
      await new Promise((r) => setTimeout(r, 300));
      throw new Error(`${(e as Error).message}; ${serve.running() ? 'serve is still running' : `serve died (exit ${serve.child.exitCode ?? serve.child.signalCode})`}\n${serve.output().slice(-3000)}`, { cause: e });
    }
  };

  // Warm-up with the same mix (garbage and reconnects included): compiled code, the heap's
  // working size and SQLite's page cache reach their steady state before the baseline is taken,
  // so the comparison measures what the soak leaves behind, not what the first calls allocate.
  const warm = await explained(load(target, datanetId, CLIENTS, WARM_UP_CALLS, 1));
  assert.equal(warm.answered, WARM_UP_CALLS);
  const before = await settledRss(serve.pid);

  const started = Date.now();
  const soak = await explained(load(target, datanetId, CLIENTS, CALLS, 19));
  const wallSeconds = (Date.now() - started) / 1000;
  const after = await settledRss(serve.pid);

  const summary =
    `soak: ${soak.calls} calls by ${CLIENTS} clients, ${soak.answered} answered, ${soak.garbage} garbage frames, ${soak.reconnects} reconnects, ` +
    `${wallSeconds.toFixed(1)} s (${Math.round(soak.calls / wallSeconds)} calls/s); serve RSS ${(before / 1024).toFixed(1)} MiB before, ` +
    `${(after / 1024).toFixed(1)} MiB after (${(((after - before) / before) * 100).toFixed(1)} %)`;
  console.log(summary);
  t.diagnostic(summary);

  assert.ok(serve.running(), `serve died during the soak:\n${serve.output()}`);
  assert.equal(soak.calls, CALLS);
  assert.equal(soak.answered, CALLS, 'every legitimate call is answered');
  assert.ok(soak.garbage >= CALLS / GARBAGE_EVERY / 2, `about 1 % garbage frames (${soak.garbage})`);
  assert.equal(soak.reconnects, soak.garbage, 'each garbage frame cost its sender (only) its connection');
  assert.ok(after <= before * 1.1, `serve's resident memory grew by more than 10 %: ${before} kB before, ${after} kB after`);
  const still = await openRawWebSocket(target);
  t.after(() => still.destroy());
  assert.equal((await rawCall(still, 'app.getInfo', {})).ok, true);
});
