import { AppError } from '../../shared/errors';
import { PROPOSAL_TRANSITIONS, type Proposal, type ProposalState, type ProposalVote } from '../../shared/proposals';

/** What a guard needs to know beyond the proposal itself. */
export interface TransitionFacts {
  reviewers: readonly string[];
  votes: readonly ProposalVote[];
  dataMet: { approved: number; required: number; met: boolean };
}

/** Votes needed to decide a review: a strict majority of the configured reviewers. */
export const quorumOf = (reviewers: number) => Math.floor(reviewers / 2) + 1;

/**
 * Why `from → to` may not happen now, or null when it may. The table says which moves exist at
 * all; the guards say what each move needs (a stake, a decided review, enough data, an adapter
 * that meets the criteria).
 */
export function refusalOf(p: Proposal, to: ProposalState, facts: TransitionFacts): string | null {
  const allowed = PROPOSAL_TRANSITIONS[p.state];
  if (!allowed.includes(to)) {
    return allowed.length === 0
      ? `${p.state} is final`
      : `from ${p.state} a proposal can only move to ${allowed.join(' or ')}`;
  }
  const approvals = facts.votes.filter((v) => v.approve).length;
  const rejections = facts.votes.length - approvals;
  const quorum = quorumOf(facts.reviewers.length);
  switch (to) {
    case 'submitted':
      return p.stake ? null : 'submitting needs a stake (on the chain, or a local one for a single team)';
    case 'in_review':
      return facts.reviewers.length > 0 ? null : 'the workspace has no reviewers configured to review it';
    case 'approved':
      return approvals >= quorum ? null : `approval needs ${quorum} approving votes of ${facts.reviewers.length} reviewers; it has ${approvals}`;
    case 'rejected':
      return rejections >= quorum ? null : `rejection needs ${quorum} rejecting votes of ${facts.reviewers.length} reviewers; it has ${rejections}`;
    case 'tuning':
      if (p.state === 'feedback') return p.feedbackDatanetId ? null : 'another tuning round needs feedback records first';
      return facts.dataMet.met
        ? null
        : `the data requirement is not met: ${facts.dataMet.approved} of ${facts.dataMet.required} approved records`;
    case 'feedback':
      if (!p.adapterId || !p.evaluation) return 'attach the tuned adapter and its evaluation first';
      return p.evaluation.meetsCriteria ? null : 'the tuned adapter does not meet the evaluation criteria';
    case 'deployed':
      return p.adapterId ? null : 'there is no tuned adapter to deploy';
    default:
      return null;
  }
}

export function assertTransition(p: Proposal, to: ProposalState, facts: TransitionFacts): void {
  const reason = refusalOf(p, to, facts);
  if (reason) throw new AppError('CONFLICT', `Proposal "${p.title}" cannot move from ${p.state} to ${to}: ${reason}.`);
}
