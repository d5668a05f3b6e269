import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ModelInfo } from '../../electron/shared/models';
import type { Job } from '../../electron/shared/jobs';
import { ensureModel, TINY } from '../fixtures/models/generate.js';
import { call, tempDir, testCore } from '../helpers/workspace';

interface Behaviour {
  /** Close the connection after this many bytes of a full (non-Range) response. */
  dropAfter?: number;
  /** Flip one byte of every response. */
  corruptAt?: number;
  /** Send in 16 KiB pieces with a pause, so a test can cancel mid-way. */
  slow?: boolean;
}

/** A local HTTP server for a generated model, with Range support and chosen faults. */
async function serveFile(t: TestContext, data: Buffer, behaviour: Behaviour) {
  const ranges: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) ranges.push(req.headers.range!);
    const start = range ? Number(range[1]) : 0;
    const body = Buffer.from(data.subarray(start));
    if (behaviour.corruptAt !== undefined && behaviour.corruptAt >= start) body[behaviour.corruptAt - start] = body[behaviour.corruptAt - start]! ^ 0xff;
    res.writeHead(range ? 206 : 200, {
      'Content-Length': body.length,
      ETag: '"v1"',
      'Accept-Ranges': 'bytes',
      ...(range ? { 'Content-Range': `bytes ${start}-${data.length - 1}/${data.length}` } : {}),
    });
    if (!range && behaviour.dropAfter !== undefined) {
      res.write(body.subarray(0, behaviour.dropAfter));
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    if (behaviour.slow) {
      for (let i = 0; i < body.length && !res.destroyed; i += 16384) {
        res.write(body.subarray(i, i + 16384));
        await new Promise((r) => setTimeout(r, 15));
      }
      return void res.end();
    }
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tiny.gguf`, ranges };
}

const fixture = () => {
  const path = ensureModel({ ...TINY, arch: 'llama', baseType: 'Q8_0' });
  const data = readFileSync(path);
  return { data, sha256: createHash('sha256').update(data).digest('hex') };
};

async function download(t: TestContext, behaviour: Behaviour, expectSha = true) {
  const { data, sha256 } = fixture();
  const served = await serveFile(t, data, behaviour);
  const dir = tempDir(t);
  const core = testCore(t, dir);
  const job = await core.waitForJob((await call(core, 'models.download', { url: served.url, ...(expectSha ? { sha256 } : {}), name: 'tiny' })).jobId);
  return { job, core, dir, served, data, sha256 };
}

test('a download is hash-checked, validated and registered, and the app then says the network was used', async (t) => {
  const quiet = testCore(t);
  assert.equal((await call(quiet, 'app.getInfo', {})).network.outbound, false, 'nothing has gone out yet in this process');
  const { job, core, sha256, dir } = await download(t, {});
  const info = await call(core, 'app.getInfo', {});
  assert.equal(info.network.outbound, true);
  assert.match(info.network.description, /Network used this session for model download \(1 request\)/);
  assert.equal(info.network.label, 'Network used: model download', 'the status bar says why it is not offline');
  assert.equal(job.state, 'succeeded', job.error?.message);
  const m = job.result as ModelInfo;
  assert.equal(m.sha256, sha256);
  assert.equal(createHash('sha256').update(readFileSync(m.file)).digest('hex'), sha256);
  assert.ok(m.file.startsWith(join(dir, 'models')));
  assert.deepEqual((await call(core, 'models.list', {})).items.map((x) => x.id), [m.id]);
  assert.deepEqual(readdirSync(join(dir, 'models', '.partial')), [], 'nothing partial is left');
});

test('a dropped connection resumes with an HTTP Range request and completes with the right sha256', async (t) => {
  const { data } = fixture();
  const { job, served, sha256 } = await download(t, { dropAfter: Math.floor(data.length * 0.4) });
  assert.equal(job.state, 'succeeded', job.error?.message);
  assert.deepEqual(served.ranges, [`bytes=${Math.floor(data.length * 0.4)}-`]);
  assert.equal((job.result as ModelInfo).sha256, sha256);
});

test('a corrupted download is refused and removed', async (t) => {
  const { job, core, dir } = await download(t, { corruptAt: 1000 });
  assert.equal(job.state, 'failed');
  assert.match(job.error!.message, /sha256 is [0-9a-f]{64}, not the expected [0-9a-f]{64}: it is corrupted .* was removed/);
  assert.deepEqual((await call(core, 'models.list', {})).items, []);
  assert.deepEqual(readdirSync(join(dir, 'models', '.partial')), []);
  assert.deepEqual(readdirSync(join(dir, 'models')).filter((f) => f.endsWith('.gguf')), []);
});

test('a cancelled download keeps its partial file and the next one resumes from it', async (t) => {
  const { data, sha256 } = fixture();
  const served = await serveFile(t, data, { slow: true });
  const dir = tempDir(t);
  const core = testCore(t, dir);
  const first = await call(core, 'models.download', { url: served.url, sha256 });
  let cancelled = false;
  core.onEvent((name, p) => {
    const j = p as Job;
    if (name === 'jobs.progress' && j.id === first.jobId && !cancelled && j.progress.done > data.length / 4) {
      cancelled = true;
      void core.call('jobs.cancel', { jobId: first.jobId });
    }
  });
  assert.equal((await core.waitForJob(first.jobId)).state, 'cancelled');
  const partial = readdirSync(join(dir, 'models', '.partial')).filter((f) => f.endsWith('.part'));
  assert.equal(partial.length, 1);
  const second = await core.waitForJob((await call(core, 'models.download', { url: served.url, sha256 })).jobId);
  assert.equal(second.state, 'succeeded', second.error?.message);
  assert.equal(served.ranges.length, 1, 'the second download asked for the rest only');
  assert.ok(!existsSync(join(dir, 'models', '.partial', partial[0]!)));
});
