import { AbiCoder, concat, keccak256 } from 'ethers';

/**
 * The OpenZeppelin StandardMerkleTree layout: each leaf is keccak256(keccak256(abi.encode(values))),
 * leaves sorted, pairs hashed in sorted order, the tree stored as a flat array with leaves at the
 * end. Roots and proofs are therefore checkable with OpenZeppelin's MerkleProof on chain. Snapshot
 * roots, reward trees and receipt roots all use it.
 */

export function standardLeaf(types: readonly string[], values: readonly unknown[]): string {
  return keccak256(keccak256(AbiCoder.defaultAbiCoder().encode(types, values)));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const hashPair = (a: string, b: string) => keccak256(compare(a, b) <= 0 ? concat([a, b]) : concat([b, a]));

export interface MerkleTree {
  root: string;
  /** The flat tree (root first). */
  nodes: string[];
  /** Leaf hash → its index in `nodes`. */
  index: Map<string, number>;
}

export function buildTree(leaves: string[]): MerkleTree {
  if (leaves.length === 0) throw new Error('A Merkle tree needs at least one leaf.');
  const sorted = leaves.map((l) => l.toLowerCase()).sort(compare);
  const nodes = new Array<string>(2 * sorted.length - 1);
  const index = new Map<string, number>();
  sorted.forEach((leaf, i) => {
    const at = nodes.length - 1 - i;
    nodes[at] = leaf;
    index.set(leaf, at);
  });
  for (let i = nodes.length - 1 - sorted.length; i >= 0; i--) nodes[i] = hashPair(nodes[2 * i + 1]!, nodes[2 * i + 2]!);
  return { root: nodes[0]!, nodes, index };
}

export function proofFor(tree: MerkleTree, leaf: string): string[] {
  let i = tree.index.get(leaf.toLowerCase());
  if (i === undefined) throw new Error('That leaf is not in the tree.');
  const proof: string[] = [];
  while (i > 0) {
    proof.push(tree.nodes[i % 2 === 1 ? i + 1 : i - 1]!);
    i = Math.floor((i - 1) / 2);
  }
  return proof;
}

export const rootFromProof = (leaf: string, proof: string[]) => proof.reduce((acc, sibling) => hashPair(acc, sibling.toLowerCase()), leaf.toLowerCase());
