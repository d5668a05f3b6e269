import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { METHOD_NAMES } from '../../electron/shared/contract';
import { Envelope } from '../../electron/shared/errors';
import { createRouter, describeIssues, type Handlers } from '../../electron/core/rpc/router';
import { createHandlers } from '../../electron/core/rpc/handlers';
import { testCore } from '../helpers/workspace';

const NOT_OBJECTS = [42, 'datanets', [], true, [{}]];

test('every contract method answers malformed input with a BAD_INPUT envelope naming the method', async (t) => {
  const core = testCore(t);
  for (const method of METHOD_NAMES) {
    for (const input of [...NOT_OBJECTS, { unexpectedField: 1 }]) {
      const r = await core.call(method, input);
      assert.ok(Envelope.safeParse(r).success, `${method}: envelope shape`);
      assert.equal(r.ok, false, `${method} accepted ${JSON.stringify(input)}`);
      assert.equal(!r.ok && r.error.code, 'BAD_INPUT', `${method} with ${JSON.stringify(input)}`);
      assert.match(!r.ok ? r.error.message : '', new RegExp(`^${method.replace('.', '\\.')}: `));
    }
  }
});

test('wrong types in every field are refused, never crash', async (t) => {
  const core = testCore(t);
  const junk = [null, -1, 1.5, 'x', '', {}, [], true, 'dn_nothex', '0xZZ', 'x'.repeat(10_000)];
  for (const method of METHOD_NAMES) {
    for (const field of ['id', 'name', 'datanetId', 'jobId', 'content', 'offset', 'limit', 'status', 'confirmName', 'contributor']) {
      for (const value of junk) {
        const r = await core.call(method, { [field]: value });
        assert.ok(Envelope.safeParse(r).success, `${method}.${field}`);
        if (!r.ok) assert.notEqual(r.error.code, 'INTERNAL', `${method} { ${field}: ${JSON.stringify(value).slice(0, 40)} } → ${r.error.message}`);
      }
    }
  }
});

test('unknown methods are refused', async (t) => {
  const core = testCore(t);
  for (const name of ['datanets.drop', '__proto__', 'constructor', 'toString', '', 42, null]) {
    const r = await core.call(name, {});
    assert.equal(!r.ok && r.error.code, 'UNKNOWN_METHOD', String(name));
  }
});

test('an omitted input means an empty object', async (t) => {
  const core = testCore(t);
  const r = await core.call('datanets.list', undefined);
  assert.deepEqual(r, { ok: true, value: { items: [] } });
});

test('a handler that breaks the contract is reported as a bug, not passed on', async () => {
  const handlers = { ...createHandlers({} as never) } as Handlers;
  handlers['datanets.list'] = () => ({ items: [{ id: 'not-an-id' }] }) as never;
  handlers['datanets.get'] = () => {
    throw new TypeError('boom');
  };
  const call = createRouter(handlers);
  const bad = await call('datanets.list', {});
  assert.equal(!bad.ok && bad.error.code, 'INTERNAL');
  assert.match(!bad.ok ? bad.error.message : '', /does not match the contract.*This is a bug/);
  const thrown = await call('datanets.get', { id: 'dn_0123456789abcdef' });
  assert.deepEqual(thrown, { ok: false, error: { code: 'INTERNAL', message: 'datanets.get failed unexpectedly: boom' } });
});

test('calls after the workspace closed get an error envelope', async (t) => {
  const core = testCore(t);
  await core.close();
  const r = await core.call('datanets.list', {});
  assert.equal(r.ok, false);
});

test('issue descriptions name each field', () => {
  const r = z.object({ a: z.string(), b: z.object({ c: z.number() }) }).safeParse({ a: 1, b: { c: 'x' } });
  assert.ok(!r.success);
  assert.match(describeIssues(r.error), /^a: .*; b\.c: /);
});
