import { readFileSync } from 'node:fs';
import type { ChainStatus } from '../../shared/chain';
import type { Job } from '../../shared/jobs';
import type { RewardClaimInfo, RewardEpoch } from '../../shared/rewards';
import type { WalletAccount, WalletStatus } from '../../shared/wallet';
import { formatUnits } from 'ethers';
import { callOrThrow as callCore } from '../core';
import { UsageError, int, positional, required, str, type Command, type Values } from './args';
import { table } from './format';

/** A secret read from a file (never from the command line, where `ps` and shell history would keep it). */
function secretFile(values: Values, key: string): string {
  const path = required(values, key);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new UsageError(`--${key}: cannot read ${path}: ${(e as Error).message}`);
  }
}

const newPassword = (values: Values) => secretFile(values, 'password-file').split(/\r?\n/)[0]!;
const accountsTable = (items: WalletAccount[]) =>
  items.length ? table(['ADDRESS', 'LABEL', 'KIND', 'PATH'], items.map((a) => [a.address, a.label, a.kind, a.hdPath ?? '—'])) : 'No wallet yet. Create one: wallet create --password-file FILE';
const tokens = (units: string) => formatUnits(BigInt(units), 18);
const txLines = (job: Job) => {
  const r = job.result as { transactions?: { contract: string; function: string; txHash: string; blockNumber: number }[] };
  return (r.transactions ?? []).map((t) => `  ${t.contract}.${t.function}: ${t.txHash} (block ${t.blockNumber})`).join('\n');
};

export const CHAIN_COMMANDS: Command[] = [
  {
    name: 'wallet create',
    usage: 'wallet create --password-file FILE [--label L]',
    summary: 'Create a wallet: its 12-word recovery phrase is shown once, then you type back three of its words',
    options: { 'password-file': { type: 'string' }, label: { type: 'string' } },
    interactive: async ({ core, values, ask, say }) => {
      const password = newPassword(values);
      const begun = await callCore(core, 'wallet.beginCreate', {});
      say(`Your recovery phrase (write it down; it is shown only now):\n\n  ${begun.mnemonic}\n`);
      const words = [];
      for (const position of begun.confirmPositions) words.push({ position, word: await ask(`Word #${position}: `) });
      return callCore(core, 'wallet.confirmCreate', { pendingId: begun.pendingId, words, password, label: str(values, 'label') });
    },
    human: (v) => `Wallet created. Account ${(v as WalletAccount).address} (${(v as WalletAccount).hdPath})`,
  },
  {
    name: 'wallet import',
    usage: 'wallet import (--mnemonic-file F | --key-file F | --keystore F --keystore-password-file F) --password-file FILE [--label L]',
    summary: 'Import a recovery phrase, a private key or a keystore v3 file (secrets are read from files)',
    options: {
      'mnemonic-file': { type: 'string' },
      'key-file': { type: 'string' },
      keystore: { type: 'string' },
      'keystore-password-file': { type: 'string' },
      'password-file': { type: 'string' },
      label: { type: 'string' },
    },
    request: ({ values }) => {
      const password = newPassword(values);
      const label = str(values, 'label');
      if (str(values, 'mnemonic-file')) return { method: 'wallet.import', input: { kind: 'mnemonic', mnemonic: secretFile(values, 'mnemonic-file'), password, label } };
      if (str(values, 'key-file')) return { method: 'wallet.import', input: { kind: 'privateKey', privateKey: secretFile(values, 'key-file'), password, label } };
      if (str(values, 'keystore')) {
        return {
          method: 'wallet.import',
          input: { kind: 'keystore', keystoreJson: secretFile(values, 'keystore'), keystorePassword: secretFile(values, 'keystore-password-file'), password, label },
        };
      }
      throw new UsageError('give one of --mnemonic-file, --key-file or --keystore');
    },
    human: (v) => `Imported:\n${accountsTable((v as { accounts: WalletAccount[] }).accounts)}`,
  },
  {
    name: 'wallet list',
    usage: 'wallet list',
    summary: 'The wallet\'s accounts',
    request: () => ({ method: 'wallet.listAccounts', input: {} }),
    human: (v) => accountsTable((v as { items: WalletAccount[] }).items),
  },
  {
    name: 'wallet lock',
    usage: 'wallet lock',
    summary: 'Lock the wallet (forget the decrypted keys)',
    request: () => ({ method: 'wallet.lock', input: {} }),
    human: (v) => ((v as WalletStatus).locked ? 'Wallet locked.' : 'Wallet still unlocked.'),
  },
  {
    name: 'chain devnet',
    usage: 'chain devnet',
    summary: 'Start the local devnet (anvil on 127.0.0.1) with the contracts deployed, and keep it running until Ctrl-C',
    request: () => ({ method: 'chain.startDevnet', input: {} }),
    human: () => '',
    hold: true,
    job: {
      human: (job) => {
        const s = job.result as ChainStatus;
        const d = s.deployment!;
        return [
          `Devnet running at ${s.network.rpcUrl} (chain ${s.network.chainId}), block ${s.blockNumber}`,
          ...Object.entries(d).filter(([k]) => k !== 'fromBlock').map(([k, a]) => `  ${k}: ${String(a)}`),
          'Ctrl-C stops it (its state is kept in the workspace).',
        ].join('\n');
      },
    },
  },
  {
    name: 'chain publish-snapshot',
    usage: 'chain publish-snapshot <snapshotId> --account 0x… [--yes] [--password-file F]',
    summary: 'Publish a snapshot\'s Merkle root (and register its datanet) on the selected network',
    positionals: ['snapshotId'],
    options: { account: { type: 'string' } },
    signs: true,
    request: ({ values, positionals }) => ({
      method: 'chain.publishSnapshot',
      input: { snapshotId: positional(positionals, 0, 'snapshotId'), account: required(values, 'account'), autoApprove: values.yes === true },
    }),
    human: () => '',
    job: { human: (job) => `Snapshot root ${(job.result as { root: string }).root} published:\n${txLines(job)}` },
  },
  {
    name: 'chain register-adapter',
    usage: 'chain register-adapter <adapterId> --account 0x… [--yes] [--password-file F]',
    summary: 'Register an adapter (its hash, base model hash, snapshot root and config hash) on the selected network',
    positionals: ['adapterId'],
    options: { account: { type: 'string' } },
    signs: true,
    request: ({ values, positionals }) => ({
      method: 'chain.registerAdapter',
      input: { adapterId: positional(positionals, 0, 'adapterId'), account: required(values, 'account'), autoApprove: values.yes === true },
    }),
    human: () => '',
    job: { human: (job) => `Adapter ${(job.result as { adapterHash: string }).adapterHash} registered:\n${txLines(job)}` },
  },
  {
    name: 'rewards close-epoch',
    usage: 'rewards close-epoch --pool <tokens> [--no-publish] [--yes]',
    summary: 'Close a reward epoch over the new receipts, anchor its receipts root and publish its reward root',
    options: { pool: { type: 'string' }, 'no-publish': { type: 'boolean' } },
    signs: true,
    request: ({ values }) => ({ method: 'rewards.closeEpoch', input: { pool: required(values, 'pool'), publish: values['no-publish'] !== true, autoApprove: values.yes === true } }),
    human: () => '',
    job: {
      human: (job) => {
        const e = job.result as RewardEpoch;
        return [
          `Epoch ${e.epoch}: ${tokens(e.total)} tokens to ${e.contributors} contributors over ${e.receipts} receipts (${e.usageTokens} tokens of usage)`,
          `  reward root   ${e.root}`,
          `  receipts root ${e.receiptsRoot}`,
          e.publishTx ? `  published on chain ${e.chainId}: ${e.publishTx} (anchor ${e.anchorTx})` : '  not published',
        ].join('\n');
      },
    },
  },
  {
    name: 'rewards publish-epoch',
    usage: 'rewards publish-epoch --epoch N [--yes]',
    summary: 'Publish an epoch that was closed with --no-publish (anchor its receipts root, publish its reward root)',
    options: { epoch: { type: 'string' } },
    signs: true,
    request: ({ values }) => ({ method: 'rewards.publishEpoch', input: { epoch: int(values, 'epoch') ?? 0, autoApprove: values.yes === true } }),
    human: () => '',
    job: { human: (job) => `Epoch ${(job.result as RewardEpoch).epoch} published: ${(job.result as RewardEpoch).publishTx}` },
  },
  {
    name: 'rewards list',
    usage: 'rewards list',
    summary: 'Reward epochs: totals, contributors, receipts and where they are published',
    request: () => ({ method: 'rewards.listEpochs', input: {} }),
    human: (v) => {
      const items = (v as { items: RewardEpoch[] }).items;
      if (items.length === 0) return 'No reward epochs yet. Close one: rewards close-epoch --pool <tokens>';
      return table(['EPOCH', 'TOTAL', 'CONTRIBUTORS', 'RECEIPTS', 'PUBLISHED'], items.map((e) => [String(e.epoch), tokens(e.total), String(e.contributors), String(e.receipts), e.publishTx ? `chain ${e.chainId}` : 'no']));
    },
  },
  {
    name: 'rewards claims',
    usage: 'rewards claims --account 0x…',
    summary: 'An account\'s rewards per epoch and whether each is claimed',
    options: { account: { type: 'string' } },
    request: ({ values }) => ({ method: 'rewards.claims', input: { account: required(values, 'account') } }),
    human: (v) => {
      const items = (v as { items: RewardClaimInfo[] }).items;
      if (items.length === 0) return 'No rewards for this account.';
      return table(['EPOCH', 'AMOUNT', 'CLAIMED'], items.map((c) => [String(c.epoch), tokens(c.amount), c.claimed === null ? '?' : c.claimed ? 'yes' : 'no']));
    },
  },
  {
    name: 'rewards claim',
    usage: 'rewards claim --epoch N --account 0x… [--yes] [--password-file F]',
    summary: 'Claim an epoch\'s reward from the wallet with its Merkle proof',
    options: { epoch: { type: 'string' }, account: { type: 'string' } },
    signs: true,
    request: ({ values }) => ({ method: 'rewards.claim', input: { epoch: int(values, 'epoch') ?? 0, account: required(values, 'account'), autoApprove: values.yes === true } }),
    human: () => '',
    job: { human: (job) => `Claimed ${tokens((job.result as { amount: string }).amount)} tokens: ${(job.result as { txHash: string }).txHash}` },
  },
  {
    name: 'rewards export-claim',
    usage: 'rewards export-claim --epoch N --account 0x… <file.json>',
    summary: 'Write a claim (proof and what to sign) to a file, to sign on another machine',
    positionals: ['file'],
    options: { epoch: { type: 'string' }, account: { type: 'string' } },
    request: ({ values, positionals }) => ({ method: 'rewards.exportClaim', input: { epoch: int(values, 'epoch') ?? 0, account: required(values, 'account'), path: positional(positionals, 0, 'file') } }),
    human: (v) => `Claim written to ${(v as { path: string }).path}`,
  },
  {
    name: 'rewards sign-claim',
    usage: 'rewards sign-claim <claim.json> <signed.json> [--recipient 0x…] [--yes] [--password-file F]',
    summary: 'Sign a claim file with the wallet (works offline: the air-gapped half)',
    positionals: ['claim', 'out'],
    options: { recipient: { type: 'string' } },
    signs: true,
    request: ({ values, positionals }) => ({
      method: 'rewards.signClaim',
      input: { path: positional(positionals, 0, 'claim'), out: positional(positionals, 1, 'out'), recipient: str(values, 'recipient'), autoApprove: values.yes === true },
    }),
    human: () => '',
    job: { human: (job) => `Signed claim written to ${(job.result as { path: string }).path}` },
  },
  {
    name: 'rewards submit-claim',
    usage: 'rewards submit-claim <signed.json> --account 0x… [--yes] [--password-file F]',
    summary: 'Submit a signed claim from any account of this wallet (it pays the gas; the reward goes to the signed recipient)',
    positionals: ['file'],
    options: { account: { type: 'string' } },
    signs: true,
    request: ({ values, positionals }) => ({ method: 'rewards.submitClaim', input: { path: positional(positionals, 0, 'file'), account: required(values, 'account'), autoApprove: values.yes === true } }),
    human: () => '',
    job: { human: (job) => `Claim submitted: ${(job.result as { txHash: string }).txHash}` },
  },
];
