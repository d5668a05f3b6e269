import type { ProposalState } from '../../../../electron/shared/proposals';

const LABELS: Record<ProposalState, string> = {
  draft: 'Draft',
  submitted: 'Submitted',
  in_review: 'In review',
  approved: 'Approved',
  rejected: 'Rejected',
  gathering_data: 'Gathering data',
  tuning: 'Tuning',
  feedback: 'Feedback',
  deployed: 'Deployed',
  retired: 'Retired',
};

export const stateLabel = (s: ProposalState) => LABELS[s];
