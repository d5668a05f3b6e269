import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import { startUiServer, type UiServer } from '../../electron/core/host/ui-server';
import type { ServerFrame } from '../../electron/shared/transport';
import { tempDir, testCore } from '../helpers/workspace';

async function server(t: TestContext): Promise<UiServer> {
  const rendererDir = join(tempDir(t), 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Datanet Studio</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  const s = await startUiServer({ core: testCore(t), rendererDir });
  t.after(() => s.close());
  return s;
}

function get(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += String(c)));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a WebSocket and resolves with it, or with the HTTP status the upgrade was refused with. */
function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
    ws.once('error', reject);
  });
}

function rpc(ws: WebSocket, id: number, method: string, input: unknown): Promise<ServerFrame & { type: 'result' }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data)) as ServerFrame;
      if (frame.type === 'result' && frame.id === id) {
        ws.off('message', onMessage);
        resolve(frame);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'call', id, method, input }));
  });
}

test('serves the UI on 127.0.0.1 with a CSP and the token only in the fragment', async (t) => {
  const s = await server(t);
  assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(s.openUrl, `${s.url}#token=${s.token}`);
  assert.ok(s.token.length >= 32);
  const page = await get(s.port, '/');
  assert.equal(page.status, 200);
  assert.match(page.body, /Datanet Studio/);
  assert.doesNotMatch(String(page.headers['content-security-policy']), /unsafe-eval/);
  assert.equal(page.headers['x-frame-options'], 'DENY');
  assert.equal((await get(s.port, '/assets/app.js')).status, 200);
  assert.equal((await get(s.port, '/%2e%2e/%2e%2e/etc/passwd')).status, 404);
});

test('foreign Host headers are refused on every route (DNS rebinding)', async (t) => {
  const s = await server(t);
  for (const path of ['/', '/index.html', '/assets/app.js', '/nope']) {
    assert.equal((await get(s.port, path, { Host: 'evil.example' })).status, 403, path);
    assert.equal((await get(s.port, path, { Host: `evil.example:${s.port}` })).status, 403, path);
  }
  assert.equal(await connect(`ws://127.0.0.1:${s.port}/rpc?token=${s.token}`, { Host: 'evil.example' }), 403);
  assert.equal((await get(s.port, '/', { Host: `localhost:${s.port}` })).status, 200);
});

test('the WebSocket needs the per-launch token and our own origin', async (t) => {
  const s = await server(t);
  const base = `ws://127.0.0.1:${s.port}/rpc`;
  assert.equal(await connect(base), 401);
  assert.equal(await connect(`${base}?token=wrong`), 401);
  assert.equal(await connect(`${base}?token=${s.token}x`), 401);
  assert.equal(await connect(`${base}?token=${s.token}`, { Origin: 'http://evil.example' }), 403);
  assert.equal(await connect(`ws://127.0.0.1:${s.port}/other?token=${s.token}`), 403);
  const ws = await connect(`${base}?token=${s.token}`, { Origin: `http://127.0.0.1:${s.port}` });
  assert.ok(ws instanceof WebSocket);
  ws.close();
});

test('calls go through the contract, events come back, malformed frames close only that socket', async (t) => {
  const s = await server(t);
  const ws = (await connect(`ws://127.0.0.1:${s.port}/rpc?token=${s.token}`)) as WebSocket;
  t.after(() => ws.close());
  const events: ServerFrame[] = [];
  ws.on('message', (d) => {
    const f = JSON.parse(String(d)) as ServerFrame;
    if (f.type === 'event') events.push(f);
  });
  const created = await rpc(ws, 1, 'datanets.create', { name: 'over the wire' });
  assert.equal(created.result.ok, true);
  const bad = await rpc(ws, 2, 'datanets.create', { name: 7 });
  assert.equal(!bad.result.ok && bad.result.error.code, 'BAD_INPUT');
  const unknown = await rpc(ws, 3, 'process.exit', {});
  assert.equal(!unknown.result.ok && unknown.result.error.code, 'UNKNOWN_METHOD');
  assert.deepEqual(events.map((e) => e.type === 'event' && e.name), ['datanets.changed']);

  const victim = (await connect(`ws://127.0.0.1:${s.port}/rpc?token=${s.token}`)) as WebSocket;
  const closed = new Promise<number>((r) => victim.once('close', (code) => r(code)));
  victim.send('{not json');
  assert.equal(await closed, 1008);
  const still = await rpc(ws, 4, 'datanets.list', {});
  assert.equal(still.result.ok, true);
});
