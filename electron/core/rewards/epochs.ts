/**
 * Reward epochs, computed locally: the receipts not yet counted are split into amounts per
 * contributor (usage × share), committed to as an (index, account, amount) Merkle tree in the
 * layout RewardDistributor checks, and the receipts themselves as one receipts root.
 */
import { getAddress } from 'ethers';
import { AppError } from '../../shared/errors';
import type { ReceiptFile } from '../../shared/receipts';
import type { AuditLog } from '../audit/log';
import type { Db } from '../db/open';
import { nowIso } from '../common/ids';
import { buildTree, standardLeaf } from '../common/merkle';
import { WORKSPACE_OWNER } from '../datanets/snapshots';
import { buildRewardTree, type RewardTree } from '../chain/reward-tree';
import { revokedShares } from '../lineage/revoked-shares';
import type { RewardClaim } from '../chain/contracts';

export interface RewardEntry {
  account: string;
  amount: bigint;
}

export interface EpochRow {
  epoch: number;
  pool: string;
  total: string;
  root: string;
  receipts_root: string;
  receipts: number;
  usage_tokens: number;
  leaves: string;
  closed_at: string;
  chain_id: number | null;
  distributor: string | null;
  publish_tx: string | null;
  anchor_tx: string | null;
  published_at: string | null;
}

export interface CountedReceipt {
  digest: string;
  receipt: ReceiptFile;
  usageTokens: number;
  /** Basis points of each contributor's share that came from records whose consent was revoked. */
  revokedBps?: readonly number[];
}

/** A receipts root commits to the receipts' EIP-712 digests, in the same tree layout. */
export const receiptLeafHash = (digest: string) => standardLeaf(['bytes32'], [digest]);

/**
 * Splits `pool` among contributors by Σ usage × basis points over the receipts. Amounts are
 * floored, so the total never exceeds the pool (the dust stays with the funder). Records without a
 * contributor address (the workspace owner's own) cannot claim: their part of the pool is not
 * handed to the others, it stays with the funder too.
 */
export function splitPool(receipts: readonly CountedReceipt[], pool: bigint): RewardEntry[] {
  const weights = new Map<string, bigint>();
  for (const r of receipts) {
    const { contributors, sharesBps } = r.receipt.receipt;
    contributors.forEach((c, i) => {
      const a = getAddress(c);
      weights.set(a, (weights.get(a) ?? 0n) + BigInt(r.usageTokens) * BigInt(sharesBps[i]! - (r.revokedBps?.[i] ?? 0)));
    });
  }
  const total = [...weights.values()].reduce((a, b) => a + b, 0n);
  if (total === 0n) return [];
  return [...weights]
    .filter(([account]) => account.toLowerCase() !== WORKSPACE_OWNER)
    .sort(([a], [b]) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1))
    .map(([account, w]) => ({ account, amount: (pool * w) / total }))
    .filter((l) => l.amount > 0n);
}

const entriesOf = (tree: RewardTree) => tree.claims.map((c) => ({ index: c.index, account: c.account, amount: c.amount.toString() }));

export class RewardEpochs {
  constructor(private readonly d: { db: Db; audit: AuditLog; actor: string }) {}

  /** Closes the next epoch over every receipt not yet counted. */
  close(i: { pool: bigint; receipts: readonly CountedReceipt[] }): EpochRow {
    if (i.pool <= 0n) throw new AppError('BAD_INPUT', 'pool: the reward pool must be a positive amount of token base units.');
    if (i.receipts.length === 0) throw new AppError('CONFLICT', 'There are no new receipts to close an epoch over. Attribute some answers first.');
    // Revoked records earn nothing in any epoch closed after their revocation.
    const counted = i.receipts.map((r) => ({ ...r, revokedBps: revokedShares({ db: this.d.db, digest: r.digest, contributors: r.receipt.receipt.contributors, sharesBps: r.receipt.receipt.sharesBps }) }));
    const entries = splitPool(counted, i.pool);
    if (entries.length === 0) {
      throw new AppError('CONFLICT', `None of the ${i.receipts.length} new receipts credits a contributor with an address, so there is nothing to reward.`);
    }
    const epoch = ((this.d.db.prepare('SELECT MAX(epoch) AS m FROM reward_epochs').get() as { m: number | null }).m ?? 0) + 1;
    const tree = buildRewardTree({ epoch, entries });
    const root = tree.root;
    const receiptsRoot = buildTree(i.receipts.map((r) => receiptLeafHash(r.digest))).root;
    const total = tree.total.toString();
    const leaves = entriesOf(tree);
    const usage = i.receipts.reduce((a, r) => a + r.usageTokens, 0);
    const db = this.d.db;
    db.transaction(() => {
      db.prepare(
        `INSERT INTO reward_epochs (epoch, pool, total, root, receipts_root, receipts, usage_tokens, leaves, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(epoch, i.pool.toString(), total, root, receiptsRoot, i.receipts.length, usage, JSON.stringify(leaves), nowIso());
      const mark = db.prepare('UPDATE receipts SET epoch = ? WHERE digest = ? AND epoch IS NULL');
      for (const r of i.receipts) {
        if (mark.run(epoch, r.digest).changes !== 1) throw new AppError('CONFLICT', `Receipt ${r.digest} was counted in another epoch meanwhile.`);
      }
      this.d.audit.append({ actor: this.d.actor, action: 'rewards.closeEpoch', subject: String(epoch), details: { root, receiptsRoot, total, receipts: i.receipts.length, leaves: leaves.length } });
    })();
    return this.get(epoch);
  }

  get(epoch: number): EpochRow {
    const row = this.d.db.prepare('SELECT * FROM reward_epochs WHERE epoch = ?').get(epoch) as EpochRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No reward epoch ${epoch}.`);
    return row;
  }

  list(): EpochRow[] {
    return this.d.db.prepare('SELECT * FROM reward_epochs ORDER BY epoch DESC').all() as EpochRow[];
  }

  /** The epoch's tree, rebuilt from its stored entries (and checked against the stored root). */
  tree(epoch: number): RewardTree {
    const row = this.get(epoch);
    const stored = JSON.parse(row.leaves) as { account: string; amount: string }[];
    const tree = buildRewardTree({ epoch, entries: stored.map((e) => ({ account: e.account, amount: BigInt(e.amount) })) });
    if (tree.root !== row.root) throw new AppError('STORAGE', `Reward epoch ${epoch}'s stored entries no longer give its root ${row.root}.`);
    return tree;
  }

  /** The claim (index, amount, Merkle proof) an account claims an epoch's reward with. */
  claimFor(epoch: number, account: string): RewardClaim {
    const claim = this.tree(epoch).claims.find((c) => c.account.toLowerCase() === account.toLowerCase());
    if (!claim) throw new AppError('NOT_FOUND', `Account ${account} has no reward in epoch ${epoch}.`);
    return claim;
  }

  markPublished(i: { epoch: number; chainId: number; distributor: string; publishTx: string; anchorTx: string }): EpochRow {
    this.d.db
      .prepare('UPDATE reward_epochs SET chain_id = ?, distributor = ?, publish_tx = ?, anchor_tx = ?, published_at = ? WHERE epoch = ?')
      .run(i.chainId, i.distributor, i.publishTx, i.anchorTx, nowIso(), i.epoch);
    this.d.audit.append({ actor: this.d.actor, action: 'rewards.publishEpoch', subject: String(i.epoch), details: { chainId: i.chainId, distributor: i.distributor, publishTx: i.publishTx, anchorTx: i.anchorTx } });
    return this.get(i.epoch);
  }
}
