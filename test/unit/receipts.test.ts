import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Wallet, keccak256, toUtf8Bytes } from 'ethers';
import { makeReceipt, newSalt, paramsHash, saltedTextHash, verifyReceipt, type TypedDataSigner } from '../../electron/core/attribution/receipts';
import type { ReceiptBody } from '../../electron/shared/receipts';

// A fixed key so failures are reproducible; the workspace wallet is exercised in the wallet tests.
const key = new Wallet('0x59c6995e998f97a5a0044966f611ea2a1f6b5a9b0b5c9e0d7a1c2c3b4d5e6f70');
const sign: TypedDataSigner = async (t) => ({ signer: key.address, signature: await key.signTypedData(t.domain, t.types, t.message) });

const PROMPT = 'CANARY-PROMPT what is the dosage for patient 4411?';
const ANSWER = 'CANARY-ANSWER 20 mg twice daily';

function body(): ReceiptBody {
  const salt = newSalt();
  return {
    modelSha256: keccak256(toUtf8Bytes('model')),
    adapterSha256: keccak256(toUtf8Bytes('adapter')),
    snapshotRoot: keccak256(toUtf8Bytes('root')),
    promptHash: saltedTextHash(salt, PROMPT),
    answerHash: saltedTextHash(salt, ANSWER),
    contributors: ['0x1111111111111111111111111111111111111111', '0x2222222222222222222222222222222222222222'],
    sharesBps: [7500, 2500],
    method: 'span+influence/v1',
    paramsHash: paramsHash({ minSpan: 8, weights: { span: 0.5, influence: 0.5 } }),
    timestamp: 1_795_000_000,
  };
}

test('a signed receipt verifies and names its signer', async () => {
  const r = await makeReceipt(body(), sign);
  const v = verifyReceipt(JSON.parse(JSON.stringify(r)));
  assert.deepEqual(v.problems, []);
  assert.equal(v.ok, true);
  assert.equal(v.signed, true);
  assert.equal(v.signer, key.address);
});

test('changing any field of a signed receipt makes verification fail', async () => {
  const r = await makeReceipt(body(), sign);
  const other = keccak256(toUtf8Bytes('other'));
  const changes: Record<keyof ReceiptBody, unknown> = {
    modelSha256: other,
    adapterSha256: other,
    snapshotRoot: other,
    promptHash: other,
    answerHash: other,
    contributors: ['0x2222222222222222222222222222222222222222', '0x1111111111111111111111111111111111111111'],
    sharesBps: [7499, 2501],
    method: 'span/v1',
    paramsHash: other,
    timestamp: r.receipt.timestamp + 1,
  };
  for (const [field, value] of Object.entries(changes)) {
    const tampered = structuredClone(r) as unknown as { receipt: Record<string, unknown>; digest: string };
    tampered.receipt[field] = value;
    const v = verifyReceipt(tampered);
    assert.equal(v.ok, false, `changing ${field} went unnoticed`);
    assert.ok(v.problems.some((p) => p.startsWith('digest')), `${field}: ${v.problems.join('; ')}`);
    // Re-computing the digest does not help: the signature no longer matches the signer.
    const redigested = { ...tampered, digest: verifyReceipt({ ...tampered, digest: r.digest }).digest };
    const v2 = verifyReceipt(redigested);
    assert.equal(v2.ok, false, `changing ${field} with a fresh digest went unnoticed`);
    assert.ok(v2.problems.some((p) => p.startsWith('signature')), `${field}: ${v2.problems.join('; ')}`);
  }
  const otherSigner = { ...r, signer: '0x3333333333333333333333333333333333333333' };
  assert.equal(verifyReceipt(otherSigner).ok, false);
});

test('an unsigned receipt is marked so and still detects changed fields', async () => {
  const r = await makeReceipt(body(), null);
  assert.equal(r.signature, null);
  const v = verifyReceipt(r);
  assert.equal(v.ok, true);
  assert.equal(v.signed, false);
  const tampered = { ...r, receipt: { ...r.receipt, sharesBps: [5000, 5000] } };
  assert.equal(verifyReceipt(tampered).ok, false);
});

test('no prompt or answer text appears in a receipt, and the hashes are salted', async () => {
  const b = body();
  const text = JSON.stringify(await makeReceipt(b, sign));
  for (const needle of ['CANARY', 'dosage', '4411', '20 mg']) assert.ok(!text.includes(needle), `receipt contains "${needle}"`);
  assert.notEqual(b.promptHash, keccak256(toUtf8Bytes(PROMPT)), 'prompt hash is not salted');
  assert.notEqual(saltedTextHash(newSalt(), PROMPT), saltedTextHash(newSalt(), PROMPT));
});

test('malformed receipts are refused with the field named', async () => {
  const r = await makeReceipt(body(), sign);
  const v = verifyReceipt({ ...r, receipt: { ...r.receipt, promptHash: 'abc' } });
  assert.equal(v.ok, false);
  assert.ok(v.problems.some((p) => p.startsWith('receipt.promptHash')), v.problems.join('; '));
  await assert.rejects(makeReceipt({ ...body(), sharesBps: [5000, 4000] }, null), /sum to 9000/);
  await assert.rejects(makeReceipt({ ...body(), sharesBps: [10000] }, null), /differ in length/);
});
