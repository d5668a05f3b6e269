import { z } from 'zod';
import { Address, DatanetId, Hash32, Timestamp, idOf } from './common';
import { DatanetName, DatanetRecord, RecordKind } from './datanets';
import { JobRef } from './jobs';
import { SnapshotId } from './curation';
import { ModelId } from './models';
import { RunId, TrainingSettings } from './training';

export const ProposalId = idOf('prop');

export const PROPOSAL_STATES = [
  'draft',
  'submitted',
  'in_review',
  'approved',
  'rejected',
  'gathering_data',
  'tuning',
  'feedback',
  'deployed',
  'retired',
] as const;
export const ProposalState = z.enum(PROPOSAL_STATES);
export type ProposalState = z.infer<typeof ProposalState>;

/**
 * Every allowed move. Anything not listed is refused. feedback → tuning is the next round of
 * tuning on the feedback gathered; rejected and retired are final.
 */
export const PROPOSAL_TRANSITIONS: Readonly<Record<ProposalState, readonly ProposalState[]>> = {
  draft: ['submitted'],
  submitted: ['in_review'],
  in_review: ['approved', 'rejected'],
  approved: ['gathering_data'],
  rejected: [],
  gathering_data: ['tuning'],
  tuning: ['feedback'],
  feedback: ['tuning', 'deployed'],
  deployed: ['retired'],
  retired: [],
};

/** The prefix of the names the local API serves deployed proposals under. */
export const PROPOSAL_MODEL_PREFIX = 'proposal:';

/**
 * The name the local API serves a deployed proposal's adapter under: "proposal:" and its title in
 * lower-case ASCII words joined by "-" ("Contract clauses (EN)" → "proposal:contract-clauses-en");
 * a title with no such letters falls back to the proposal's id. Titles do not change, so neither does it.
 */
export function proposalModelName(p: { id: string; title: string }): string {
  const slug = p.title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${PROPOSAL_MODEL_PREFIX}${slug || p.id}`;
}

/** States in which a tuned or deployed adapter gives answers worth rating: feedback is taken only then. */
export const PROPOSAL_FEEDBACK_STATES: readonly ProposalState[] = ['tuning', 'feedback', 'deployed'];

export const DataRequirements = z
  .object({
    kinds: z.array(RecordKind).min(1, 'name at least one record kind').default(['instruction']),
    minApprovedRecords: z.number().int().min(1).max(10_000_000),
  })
  .strict();
export type DataRequirements = z.infer<typeof DataRequirements>;

export const EvaluationCriteria = z
  .object({
    maxHeldOutLoss: z.number().positive().optional(),
    minAccuracy: z.number().min(0).max(1).optional(),
  })
  .strict()
  .refine((c) => c.maxHeldOutLoss !== undefined || c.minAccuracy !== undefined, 'give maxHeldOutLoss or minAccuracy');
export type EvaluationCriteria = z.infer<typeof EvaluationCriteria>;

const prose = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `is longer than the limit of ${max} characters`);

export const ProposalDraft = z
  .object({
    title: DatanetName,
    purpose: prose(4000),
    useCase: prose(4000),
    baseModel: prose(200),
    targetDatanets: z.array(DatanetId).min(1, 'name at least one datanet to gather data in'),
    dataRequirements: DataRequirements,
    evaluationCriteria: EvaluationCriteria,
    owner: Address,
  })
  .strict();
export type ProposalDraft = z.infer<typeof ProposalDraft>;

/** The stake a submission on chain locks: 10 reward tokens (18 decimals). */
export const PROPOSAL_STAKE = 10n * 10n ** 18n;

/** Where the submission stake is held: a chain transaction, or none for a local single team. */
export const ProposalStake = z.discriminatedUnion('where', [
  z.object({ where: z.literal('local') }).strict(),
  z
    .object({
      where: z.literal('chain'),
      chainId: z.number().int().positive(),
      registry: Address,
      onChainId: z.string().regex(/^\d+$/, 'must be a decimal integer'),
      amount: z.string().regex(/^\d+$/, 'must be a decimal integer (smallest unit)'),
      txHash: Hash32,
    })
    .strict(),
]);
export type ProposalStake = z.infer<typeof ProposalStake>;

export const ProposalEvaluation = z.object({
  heldOutLoss: z.number().nullable(),
  accuracy: z.number().nullable(),
  meetsCriteria: z.boolean(),
});
export type ProposalEvaluation = z.infer<typeof ProposalEvaluation>;

export const Proposal = ProposalDraft.extend({
  id: ProposalId,
  state: ProposalState,
  stake: ProposalStake.nullable(),
  runId: z.string().nullable(),
  adapterId: z.string().nullable(),
  evaluation: ProposalEvaluation.nullable(),
  feedbackDatanetId: DatanetId.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Proposal = z.infer<typeof Proposal>;

export const ProposalEvent = z.object({
  seq: z.number().int(),
  at: Timestamp,
  actor: z.string(),
  from: ProposalState.nullable(),
  to: ProposalState,
  note: z.string(),
  details: z.record(z.string(), z.unknown()),
});
export type ProposalEvent = z.infer<typeof ProposalEvent>;

export const ProposalVote = z.object({
  reviewer: Address,
  approve: z.boolean(),
  comment: z.string(),
  txHash: Hash32.nullable(),
  at: Timestamp,
});
export type ProposalVote = z.infer<typeof ProposalVote>;

export const DataProgress = z.object({
  kinds: z.array(RecordKind),
  required: z.number().int(),
  approved: z.number().int(),
  perDatanet: z.array(z.object({ datanetId: DatanetId, approved: z.number().int() })),
  met: z.boolean(),
});
export type DataProgress = z.infer<typeof DataProgress>;

export const FeedbackInput = z
  .object({
    proposalId: ProposalId,
    rater: Address,
    prompt: prose(100_000),
    answer: prose(100_000),
    rating: z.enum(['good', 'bad']),
    correctedAnswer: prose(100_000).optional(),
  })
  .strict();
export type FeedbackInput = z.infer<typeof FeedbackInput>;

export const ProposalDetail = z.object({
  proposal: Proposal,
  timeline: z.array(ProposalEvent),
  votes: z.array(ProposalVote),
  reviewers: z.array(Address),
  dataProgress: DataProgress,
});
export type ProposalDetail = z.infer<typeof ProposalDetail>;

export const proposalMethods = {
  'proposals.list': { input: z.object({ state: ProposalState.optional() }).strict(), output: z.object({ items: z.array(Proposal) }) },
  'proposals.get': { input: z.object({ id: ProposalId }).strict(), output: ProposalDetail },
  'proposals.create': { input: ProposalDraft, output: Proposal },
  /** draft → submitted for a single team without a chain (with a stake on chain: proposals.submitOnChain). */
  'proposals.submit': { input: z.object({ id: ProposalId }).strict(), output: Proposal },
  /**
   * A job: draft → submitted → in_review with the stake locked on the selected network's
   * ProposalRegistry (the devnet or a configured chain): the registry is deployed first when the
   * network has none with the workspace's reviewers; the account approves and stakes through the
   * wallet's confirmation (or autoApprove, as the CLI's --yes). On the devnet the stake is minted to it.
   */
  'proposals.submitOnChain': {
    input: z.object({ id: ProposalId, account: Address, autoApprove: z.boolean().default(false) }).strict(),
    output: JobRef,
  },
  /**
   * A job: a reviewer's vote on a proposal staked on chain, sent from that reviewer's wallet account
   * and recorded with its transaction; when the registry has decided, the proposal follows it
   * (approved: the stake went back to the proposer; rejected: it went to the treasury).
   */
  'proposals.voteOnChain': {
    input: z.object({ id: ProposalId, reviewer: Address, approve: z.boolean(), comment: z.string().max(2000).optional(), autoApprove: z.boolean().default(false) }).strict(),
    output: JobRef,
  },
  /**
   * Reads a chain-staked proposal's votes from its registry (votes cast outside this workspace are
   * recorded with their transactions) and follows the registry's decision (a stopped devnet is started).
   */
  'proposals.syncChain': {
    input: z.object({ id: ProposalId }).strict(),
    output: z.object({ proposal: Proposal, votes: z.array(ProposalVote), recorded: z.number().int(), notReviewers: z.array(Address) }),
  },
  /** Votes on a proposal in review; a proposal staked on chain takes its votes through proposals.voteOnChain. */
  'proposals.vote': {
    input: z.object({ id: ProposalId, reviewer: Address, approve: z.boolean(), comment: z.string().max(2000).optional() }).strict(),
    output: z.object({ votes: z.array(ProposalVote) }),
  },
  'proposals.transition': {
    input: z.object({ id: ProposalId, to: ProposalState, note: z.string().max(2000).optional() }).strict(),
    output: Proposal,
  },
  /** Attaches a trained adapter; its held-out loss is read from the adapter's own metrics. */
  'proposals.attachTuning': {
    input: z.object({ id: ProposalId, adapterId: idOf('ad'), accuracy: z.number().min(0).max(1).optional() }).strict(),
    output: Proposal,
  },
  /**
   * A job: a training run on the proposal's base model and the data gathered for it (the target
   * datanet's latest snapshot, taken now if there is none or it misses approved records). Moves the
   * proposal to tuning first (from gathering_data or feedback) and records the run; the finished
   * run's adapter and its evaluation against the criteria are attached to the proposal.
   */
  'proposals.startTuning': {
    input: z
      .object({
        proposalId: ProposalId,
        /** A registered model instead of the one named by the proposal's base model. */
        modelId: ModelId.optional(),
        /** A snapshot to train on instead (needed when the proposal targets several datanets). */
        snapshotId: SnapshotId.optional(),
        settings: TrainingSettings.optional(),
        note: z.string().max(2000).optional(),
      })
      .strict(),
    output: JobRef.extend({ runId: RunId, snapshotId: SnapshotId, proposal: Proposal }),
  },
  'proposals.feedback': { input: FeedbackInput, output: DatanetRecord },
  'proposals.reviewers': { input: z.object({}).strict(), output: z.object({ reviewers: z.array(Address) }) },
  'proposals.setReviewers': { input: z.object({ addresses: z.array(Address).max(100) }).strict(), output: z.object({ reviewers: z.array(Address) }) },
} as const;
