import { formatUnits } from 'ethers';
import type { TxOutcome } from '../../shared/chain';
import type { DatanetRecord } from '../../shared/datanets';
import type { Job } from '../../shared/jobs';
import type { Adapter } from '../../shared/training';
import { PROPOSAL_STATES, type Proposal, type ProposalDetail, type ProposalState, type ProposalVote } from '../../shared/proposals';
import { UsageError, int, num, positional, required, str, type Command } from './args';

const line = (p: Proposal) => `${p.id}  ${p.state.padEnd(14)}  ${p.title}`;

/** Where a proposal's stake is held, in one line ('' when it has none). */
export function stakeLine(p: Proposal): string {
  if (p.stake?.where === 'chain') {
    const s = p.stake;
    return `Stake: ${formatUnits(BigInt(s.amount), 18)} tokens on chain ${s.chainId}, registry ${s.registry} proposal #${s.onChainId} (tx ${s.txHash})`;
  }
  return p.stake?.where === 'local' ? 'Stake: none (submitted locally)' : '';
}

const txLines = (txs: TxOutcome[]) => txs.map((t) => `  ${t.contract}.${t.function}: ${t.txHash} (block ${t.blockNumber})`);

/** The votes of a chain-staked proposal, each with its transaction. */
const voteLines = (votes: ProposalVote[]) => ['Votes:', ...votes.map((v) => `  ${v.reviewer}  ${v.approve ? 'approve' : 'reject'}${v.txHash ? `  tx ${v.txHash}` : ''}`)];

export function proposalReport(d: ProposalDetail): string {
  const p = d.proposal;
  const lines = [
    `${p.title} (${p.id}) — ${p.state}`,
    `Purpose: ${p.purpose}`,
    `Use case: ${p.useCase}`,
    `Base model: ${p.baseModel}   Owner: ${p.owner}`,
    `Data: ${d.dataProgress.approved} of ${d.dataProgress.required} approved ${d.dataProgress.kinds.join('/')} records${d.dataProgress.met ? ' (met)' : ''}`,
  ];
  if (p.adapterId) lines.push(`Adapter: ${p.adapterId}  held-out loss ${p.evaluation?.heldOutLoss ?? '—'}${p.evaluation?.meetsCriteria ? '  meets the criteria' : '  does not meet the criteria'}`);
  if (p.feedbackDatanetId) lines.push(`Feedback datanet: ${p.feedbackDatanetId}`);
  if (p.stake?.where === 'chain') lines.push(stakeLine(p));
  if (d.votes.length) lines.push(`Votes: ${d.votes.map((v) => `${v.reviewer} ${v.approve ? 'approve' : 'reject'}${v.txHash ? ' (on chain)' : ''}`).join(', ')}`);
  lines.push('', 'Timeline:');
  for (const e of d.timeline) {
    lines.push(e.from === e.to ? `  ${e.at}  ${e.to}: ${e.note}  by ${e.actor}` : `  ${e.at}  ${e.from ?? '—'} → ${e.to}  by ${e.actor}${e.note ? `  (${e.note})` : ''}`);
  }
  return lines.join('\n');
}

const reviewersText = (v: unknown) => (v as { reviewers: string[] }).reviewers.join('\n') || 'No reviewers configured.';

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

function stateOf(s: string): ProposalState {
  if (!(PROPOSAL_STATES as readonly string[]).includes(s)) throw new UsageError(`unknown state "${s}"; one of ${PROPOSAL_STATES.join(', ')}`);
  return s as ProposalState;
}

export const PROPOSAL_COMMANDS: Command[] = [
  {
    name: 'proposal create',
    usage: 'proposal create --title <t> --purpose <p> --use-case <u> --base-model <m> --datanets dn_a,dn_b --min-records <n> [--kinds instruction,chat] --max-loss <x> --owner <address>',
    summary: 'Propose a model: why it should exist, what data it needs and how it will be judged',
    options: {
      title: { type: 'string' }, purpose: { type: 'string' }, 'use-case': { type: 'string' }, 'base-model': { type: 'string' }, datanets: { type: 'string' },
      'min-records': { type: 'string' }, kinds: { type: 'string' }, 'max-loss': { type: 'string' }, 'min-accuracy': { type: 'string' }, owner: { type: 'string' },
    },
    request: ({ values }) => ({
      method: 'proposals.create',
      input: {
        title: required(values, 'title'), purpose: required(values, 'purpose'), useCase: required(values, 'use-case'), baseModel: required(values, 'base-model'),
        targetDatanets: list(required(values, 'datanets')),
        dataRequirements: { kinds: list(str(values, 'kinds') ?? 'instruction') as never, minApprovedRecords: int(values, 'min-records') ?? 0 },
        evaluationCriteria: { maxHeldOutLoss: num(values, 'max-loss'), minAccuracy: num(values, 'min-accuracy') },
        owner: required(values, 'owner'),
      },
    }),
    human: (v) => `Created ${line(v as Proposal)}`,
  },
  {
    name: 'proposal list',
    usage: 'proposal list [--state <state>] [--json]',
    summary: 'Proposals, optionally only those in one state',
    options: { state: { type: 'string' } },
    request: ({ values }) => ({ method: 'proposals.list', input: { state: str(values, 'state') === undefined ? undefined : stateOf(str(values, 'state')!) } }),
    human: (v) => (v as { items: Proposal[] }).items.map(line).join('\n') || 'No proposals.',
  },
  {
    name: 'proposal show',
    usage: 'proposal show <proposalId> [--json]',
    summary: 'A proposal with its data progress, votes and whole timeline',
    positionals: ['id'],
    request: ({ positionals }) => ({ method: 'proposals.get', input: { id: positional(positionals, 0, 'id') } }),
    human: (v) => proposalReport(v as ProposalDetail),
  },
  {
    name: 'proposal submit',
    usage: 'proposal submit <proposalId>',
    summary: 'Submit a draft for review (a single team without a chain: no stake)',
    positionals: ['id'],
    request: ({ positionals }) => ({ method: 'proposals.submit', input: { id: positional(positionals, 0, 'id') } }),
    human: (v) => line(v as Proposal),
  },
  {
    name: 'proposal vote',
    usage: 'proposal vote <proposalId> --reviewer <address> (--approve | --reject) [--comment <text>]',
    summary: 'A configured reviewer\'s vote on a proposal in review',
    positionals: ['id'],
    options: { reviewer: { type: 'string' }, approve: { type: 'boolean' }, reject: { type: 'boolean' }, comment: { type: 'string' } },
    request: ({ values, positionals }) => {
      if (values.approve === values.reject) throw new UsageError('give exactly one of --approve or --reject');
      return { method: 'proposals.vote', input: { id: positional(positionals, 0, 'id'), reviewer: required(values, 'reviewer'), approve: values.approve === true, comment: str(values, 'comment') } };
    },
    human: (v) => (v as { votes: { reviewer: string; approve: boolean }[] }).votes.map((x) => `${x.reviewer}  ${x.approve ? 'approve' : 'reject'}`).join('\n'),
  },
  {
    name: 'proposal submit-onchain',
    usage: 'proposal submit-onchain <proposalId> --account 0x… [--yes] [--password-file F]',
    summary: 'Submit a draft with its stake locked on the selected network\'s ProposalRegistry (deployed with the reviewers when needed); it goes to review',
    positionals: ['id'],
    options: { account: { type: 'string' } },
    signs: true,
    request: ({ values, positionals }) => ({
      method: 'proposals.submitOnChain',
      input: { id: positional(positionals, 0, 'id'), account: required(values, 'account'), autoApprove: values.yes === true },
    }),
    human: () => '',
    job: {
      human: (job: Job) => {
        const r = job.result as { proposal: Proposal; onChainId: string; registry: string; transactions: TxOutcome[] };
        return [`${line(r.proposal)}`, `Staked on chain as registry proposal #${r.onChainId} at ${r.registry}`, stakeLine(r.proposal), ...txLines(r.transactions)].join('\n');
      },
    },
  },
  {
    name: 'proposal vote-onchain',
    usage: 'proposal vote-onchain <proposalId> --reviewer 0x… (--approve | --reject) [--comment <text>] [--yes] [--password-file F]',
    summary: 'A reviewer\'s vote on a proposal staked on chain, sent from that reviewer\'s wallet account; the proposal follows the registry\'s decision',
    positionals: ['id'],
    options: { reviewer: { type: 'string' }, approve: { type: 'boolean' }, reject: { type: 'boolean' }, comment: { type: 'string' } },
    signs: true,
    request: ({ values, positionals }) => {
      if (values.approve === values.reject) throw new UsageError('give exactly one of --approve or --reject');
      return {
        method: 'proposals.voteOnChain',
        input: { id: positional(positionals, 0, 'id'), reviewer: required(values, 'reviewer'), approve: values.approve === true, comment: str(values, 'comment'), autoApprove: values.yes === true },
      };
    },
    human: () => '',
    job: {
      human: (job: Job) => {
        const r = job.result as { proposal: Proposal; votes: ProposalVote[]; transactions: TxOutcome[] };
        const decided = r.proposal.state === 'in_review' ? 'still in review (no majority yet)' : `${r.proposal.state} by the registry`;
        return [
          `${line(r.proposal)}  ${decided}`,
          ...txLines(r.transactions),
          ...voteLines(r.votes),
        ].join('\n');
      },
    },
  },
  {
    name: 'proposal sync-onchain',
    usage: 'proposal sync-onchain <proposalId>',
    summary: 'Read a chain-staked proposal\'s votes from its registry (votes cast from wallets elsewhere are recorded) and follow the registry\'s decision',
    positionals: ['id'],
    request: ({ positionals }) => ({ method: 'proposals.syncChain', input: { id: positional(positionals, 0, 'id') } }),
    human: (v) => {
      const r = v as { proposal: Proposal; votes: ProposalVote[]; recorded: number; notReviewers: string[] };
      const decided = r.proposal.state === 'in_review' ? 'still in review' : r.proposal.state;
      return [
        `${line(r.proposal)}  ${decided}; ${r.recorded} new vote${r.recorded === 1 ? '' : 's'} read from the chain`,
        ...(r.notReviewers.length ? [`Not counted here (not configured reviewers): ${r.notReviewers.join(', ')}`] : []),
        ...voteLines(r.votes),
      ].join('\n');
    },
  },
  {
    name: 'proposal move',
    usage: `proposal move <proposalId> <${PROPOSAL_STATES.join('|')}> [--note <text>]`,
    summary: 'Move a proposal to its next state; refused with the reason when the move is not allowed now',
    positionals: ['id', 'state'],
    options: { note: { type: 'string' } },
    request: ({ values, positionals }) => ({
      method: 'proposals.transition',
      input: { id: positional(positionals, 0, 'id'), to: stateOf(positional(positionals, 1, 'state')), note: str(values, 'note') },
    }),
    human: (v) => line(v as Proposal),
  },
  {
    name: 'proposal attach',
    usage: 'proposal attach <proposalId> --adapter <adapterId> [--accuracy <0..1>]',
    summary: 'Attach a tuned adapter; its held-out loss is checked against the proposal\'s criteria',
    positionals: ['id'],
    options: { adapter: { type: 'string' }, accuracy: { type: 'string' } },
    request: ({ values, positionals }) => ({ method: 'proposals.attachTuning', input: { id: positional(positionals, 0, 'id'), adapterId: required(values, 'adapter'), accuracy: num(values, 'accuracy') } }),
    human: (v) => `${line(v as Proposal)}  ${(v as Proposal).evaluation?.meetsCriteria ? 'meets the criteria' : 'does not meet the criteria'}`,
  },
  {
    name: 'proposal tune',
    usage: 'proposal tune <proposalId> [--model <modelId>] [--snapshot <snapshotId>] [--epochs <n>] [--rank <r>] [--lr <x>] [--seq-len <n>] [--device cpu|cuda] [--note <text>]',
    summary: 'Train an adapter for a proposal on its base model and gathered data; it moves to tuning and gets the adapter and its evaluation',
    positionals: ['id'],
    options: {
      model: { type: 'string' }, snapshot: { type: 'string' }, epochs: { type: 'string' }, rank: { type: 'string' }, lr: { type: 'string' },
      'seq-len': { type: 'string' }, device: { type: 'string' }, note: { type: 'string' },
    },
    request: ({ values, positionals }) => {
      const settings = Object.fromEntries(
        Object.entries({ epochs: int(values, 'epochs'), rank: int(values, 'rank'), learningRate: num(values, 'lr'), seqLen: int(values, 'seq-len'), device: str(values, 'device') })
          .filter(([, v]) => v !== undefined),
      );
      return {
        method: 'proposals.startTuning',
        input: {
          proposalId: positional(positionals, 0, 'id'), modelId: str(values, 'model'), snapshotId: str(values, 'snapshot'), note: str(values, 'note'),
          ...(Object.keys(settings).length ? { settings: settings as never } : {}),
        },
      };
    },
    human: () => '',
    job: {
      human: (job) => {
        const { adapter } = job.result as { adapter: Adapter };
        return `Adapter ${adapter.id}: held-out loss ${adapter.metrics.initialEvalLoss?.toFixed(4) ?? '—'} → ${adapter.metrics.finalEvalLoss?.toFixed(4) ?? '—'}; attached to the proposal with its evaluation (proposal show)`;
      },
    },
  },
  {
    name: 'proposal feedback',
    usage: 'proposal feedback <proposalId> --rater <address> --prompt <text> --answer <text> (--good | --bad --corrected <text>)',
    summary: 'Rate an answer; it becomes a record in the proposal\'s feedback datanet with the rater as contributor',
    positionals: ['id'],
    options: { rater: { type: 'string' }, prompt: { type: 'string' }, answer: { type: 'string' }, good: { type: 'boolean' }, bad: { type: 'boolean' }, corrected: { type: 'string' } },
    request: ({ values, positionals }) => {
      if (values.good === values.bad) throw new UsageError('give exactly one of --good or --bad');
      return {
        method: 'proposals.feedback',
        input: {
          proposalId: positional(positionals, 0, 'id'), rater: required(values, 'rater'), prompt: required(values, 'prompt'), answer: required(values, 'answer'),
          rating: values.good ? 'good' : 'bad', correctedAnswer: str(values, 'corrected'),
        },
      };
    },
    human: (v) => `Recorded ${(v as DatanetRecord).id} in ${(v as DatanetRecord).datanetId}`,
  },
  {
    name: 'proposal reviewers',
    usage: 'proposal reviewers [--json]',
    summary: 'The workspace\'s reviewers, whose majority decides a review',
    request: () => ({ method: 'proposals.reviewers', input: {} }),
    human: reviewersText,
  },
  {
    name: 'proposal reviewers set',
    usage: 'proposal reviewers set 0xA,0xB,…',
    summary: 'Replace the workspace\'s reviewers',
    positionals: ['addresses'],
    request: ({ positionals }) => ({ method: 'proposals.setReviewers', input: { addresses: list(positional(positionals, 0, 'addresses')) } }),
    human: reviewersText,
  },
];
