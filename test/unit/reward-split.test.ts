import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { buildRewardTree, claimProofMatchesRoot } from '../../electron/core/chain/reward-tree';
import { splitPool, type CountedReceipt } from '../../electron/core/rewards/epochs';
import type { ReceiptFile } from '../../electron/shared/receipts';

const A = '0x1111111111111111111111111111111111111111';
const B = '0x2222222222222222222222222222222222222222';
const C = '0x3333333333333333333333333333333333333333';
const OWNER = '0x0000000000000000000000000000000000000000';

function counted(usageTokens: number, contributors: string[], sharesBps: number[]): CountedReceipt {
  const receipt = { receipt: { contributors, sharesBps } } as unknown as ReceiptFile;
  return { digest: `0x${'0'.repeat(64)}`, receipt, usageTokens };
}

test('the pool is split by usage × basis points, floored, never above the pool', () => {
  const leaves = splitPool([counted(100, [A, B], [7500, 2500]), counted(300, [B], [10_000])], 1_000_000n);
  // A: 100·7500 = 750k; B: 100·2500 + 300·10000 = 3.25M; total 4M.
  assert.deepEqual(leaves, [
    { account: A, amount: 187_500n },
    { account: B, amount: 812_500n },
  ]);
  const odd = splitPool([counted(1, [A, B, C], [3334, 3333, 3333])], 10n);
  assert.ok(odd.reduce((a, l) => a + l.amount, 0n) <= 10n);
});

test('the workspace owner (no address) earns no leaf and its part is not handed to others; zero amounts are dropped', () => {
  const leaves = splitPool([counted(10, [OWNER, A], [9999, 1])], 100n);
  assert.deepEqual(leaves, [], 'A earned 0.01% of 100 units, which floors to nothing');
  assert.deepEqual(splitPool([counted(10, [OWNER], [10_000])], 100n), []);
  assert.deepEqual(splitPool([counted(10, [OWNER, A], [5000, 5000])], 100n).map((l) => [l.account, l.amount]), [[A, 50n]]);
});

test('reward roots and proofs match OpenZeppelin StandardMerkleTree', () => {
  const entries = splitPool(
    Array.from({ length: 9 }, (_, i) => counted(10 + i, [[A, B, C][i % 3]!], [10_000])),
    10n ** 21n,
  );
  const tree = buildRewardTree({ epoch: 1, entries });
  const oz = StandardMerkleTree.of(tree.claims.map((c) => [c.index, c.account, c.amount]), ['uint256', 'address', 'uint256']);
  assert.equal(tree.root, oz.root);
  for (const c of tree.claims) {
    assert.deepEqual(c.proof, oz.getProof(c.index));
    assert.ok(claimProofMatchesRoot({ claim: c, root: oz.root }));
  }
});
