import { AppError } from '../../shared/errors';
import type { DatanetRecord } from '../../shared/datanets';
import {
  PROPOSAL_FEEDBACK_STATES,
  ProposalDraft,
  type DataProgress,
  type EvaluationCriteria,
  type FeedbackInput,
  type Proposal,
  type ProposalEvaluation,
  type ProposalEvent,
  type ProposalStake,
  type ProposalState,
  type ProposalVote,
} from '../../shared/proposals';
import type { AuditLog } from '../audit/log';
import type { Db } from '../db/open';
import type { DatanetStore } from '../datanets/store';
import { canonicalJson } from '../common/canonical-json';
import { nowIso, newId } from '../common/ids';
import { assertTransition } from './transitions';

interface ProposalRow {
  id: string;
  title: string;
  purpose: string;
  use_case: string;
  base_model: string;
  target_datanets: string;
  data_requirements: string;
  evaluation_criteria: string;
  owner: string;
  state: ProposalState;
  stake: string | null;
  run_id: string | null;
  adapter_id: string | null;
  evaluation: string | null;
  feedback_datanet_id: string | null;
  created_at: string;
  updated_at: string;
}

const toProposal = (r: ProposalRow): Proposal => ({
  id: r.id,
  title: r.title,
  purpose: r.purpose,
  useCase: r.use_case,
  baseModel: r.base_model,
  targetDatanets: JSON.parse(r.target_datanets) as string[],
  dataRequirements: JSON.parse(r.data_requirements) as Proposal['dataRequirements'],
  evaluationCriteria: JSON.parse(r.evaluation_criteria) as EvaluationCriteria,
  owner: r.owner,
  state: r.state,
  stake: r.stake ? (JSON.parse(r.stake) as ProposalStake) : null,
  runId: r.run_id,
  adapterId: r.adapter_id,
  evaluation: r.evaluation ? (JSON.parse(r.evaluation) as ProposalEvaluation) : null,
  feedbackDatanetId: r.feedback_datanet_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Whether measured figures meet the criteria; a criterion without its measurement is not met. */
export function meetsCriteria(c: EvaluationCriteria, m: { heldOutLoss: number | null; accuracy: number | null }): boolean {
  if (c.maxHeldOutLoss !== undefined && (m.heldOutLoss === null || m.heldOutLoss > c.maxHeldOutLoss)) return false;
  if (c.minAccuracy !== undefined && (m.accuracy === null || m.accuracy < c.minAccuracy)) return false;
  return true;
}

/**
 * Model proposals in SQLite. Every state change goes through the transition table and its
 * guards, and is written to the proposal's timeline and the audit log in one transaction.
 */
export class ProposalStore {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly datanets: DatanetStore,
  ) {}

  /** The workspace's reviewer addresses (lower case). */
  reviewers(): string[] {
    return (this.db.prepare('SELECT address FROM proposal_reviewers ORDER BY address').all() as { address: string }[]).map((r) => r.address);
  }

  /** Replaces the reviewer list; votes of removed reviewers stop counting. */
  setReviewers(input: { addresses: readonly string[]; actor: string }): string[] {
    const addresses = [...new Set(input.addresses.map((a) => a.toLowerCase()))];
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM proposal_reviewers').run();
      const insert = this.db.prepare('INSERT INTO proposal_reviewers (address, added_at) VALUES (?, ?)');
      for (const a of addresses) insert.run(a, nowIso());
      this.audit.append({ actor: input.actor, action: 'proposal.reviewers', subject: 'proposals', details: { reviewers: addresses } });
      return this.reviewers();
    })();
  }

  create(input: { draft: ProposalDraft; actor: string }): Proposal {
    const parsed = ProposalDraft.safeParse(input.draft);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new AppError('BAD_INPUT', `${issue.path.join('.') || 'proposal'}: ${issue.message}`);
    }
    const d = parsed.data;
    for (const datanetId of d.targetDatanets) this.datanets.get(datanetId);
    return this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM proposals WHERE title = ?').get(d.title)) {
        throw new AppError('CONFLICT', `title: a proposal named "${d.title}" already exists.`);
      }
      const id = newId('prop');
      const now = nowIso();
      this.db
        .prepare(
          `INSERT INTO proposals (id, title, purpose, use_case, base_model, target_datanets, data_requirements, evaluation_criteria,
             owner, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?)`,
        )
        .run(id, d.title, d.purpose, d.useCase, d.baseModel, JSON.stringify(d.targetDatanets), canonicalJson(d.dataRequirements),
          canonicalJson(d.evaluationCriteria), d.owner, now, now);
      this.record({ id, actor: input.actor, from: null, to: 'draft', note: 'created', details: { title: d.title } });
      return this.get(id);
    })();
  }

  list(filter: { state?: ProposalState } = {}): Proposal[] {
    const rows = filter.state
      ? this.db.prepare('SELECT * FROM proposals WHERE state = ? ORDER BY created_at, id').all(filter.state)
      : this.db.prepare('SELECT * FROM proposals ORDER BY created_at, id').all();
    return (rows as ProposalRow[]).map(toProposal);
  }

  get(id: string): Proposal {
    const row = this.db.prepare('SELECT * FROM proposals WHERE id = ?').get(id) as ProposalRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No proposal with id ${id}.`);
    return toProposal(row);
  }

  timeline(id: string): ProposalEvent[] {
    this.get(id);
    const rows = this.db.prepare('SELECT * FROM proposal_events WHERE proposal_id = ? ORDER BY seq').all(id) as {
      seq: number; at: string; actor: string; from_state: ProposalState | null; to_state: ProposalState; note: string; details: string;
    }[];
    return rows.map((r) => ({
      seq: r.seq, at: r.at, actor: r.actor, from: r.from_state, to: r.to_state, note: r.note,
      details: JSON.parse(r.details) as Record<string, unknown>,
    }));
  }

  votes(id: string): ProposalVote[] {
    const rows = this.db.prepare('SELECT * FROM proposal_votes WHERE proposal_id = ? ORDER BY at, reviewer').all(id) as {
      reviewer: string; approve: number; comment: string; tx_hash: string | null; at: string;
    }[];
    return rows.map((r) => ({ reviewer: r.reviewer, approve: r.approve === 1, comment: r.comment, txHash: r.tx_hash, at: r.at }));
  }

  /** Approved records of the required kinds in the target datanets, against the minimum. */
  dataProgress(id: string): DataProgress {
    const p = this.get(id);
    const kinds = p.dataRequirements.kinds;
    const count = this.db.prepare(
      `SELECT count(*) AS n FROM records WHERE datanet_id = ? AND status = 'approved' AND kind IN (${kinds.map(() => '?').join(', ')})`,
    );
    const perDatanet = p.targetDatanets.map((datanetId) => ({ datanetId, approved: (count.get(datanetId, ...kinds) as { n: number }).n }));
    const approved = perDatanet.reduce((s, d) => s + d.approved, 0);
    const required = p.dataRequirements.minApprovedRecords;
    return { kinds, required, approved, perDatanet, met: approved >= required };
  }

  /** draft → submitted, holding the stake that was locked (or a local one for a single team). */
  submit(input: { id: string; stake: ProposalStake; actor: string }): Proposal {
    return this.db.transaction(() => {
      const p = this.get(input.id);
      this.check({ ...p, stake: input.stake }, 'submitted');
      this.db.prepare('UPDATE proposals SET stake = ? WHERE id = ?').run(canonicalJson(input.stake), p.id);
      return this.move({ p, to: 'submitted', actor: input.actor, note: input.stake.where === 'chain' ? 'staked on chain' : 'submitted locally', details: { stake: input.stake } });
    })();
  }

  /** A reviewer's vote while the proposal is in review; a second vote replaces the first. */
  vote(input: { id: string; reviewer: string; approve: boolean; comment?: string; txHash?: string }): ProposalVote[] {
    return this.db.transaction(() => {
      const p = this.get(input.id);
      if (p.state !== 'in_review') {
        throw new AppError('CONFLICT', `Proposal "${p.title}" is ${p.state}, not in_review: votes are taken only during review.`);
      }
      if (p.stake?.where === 'chain' && !input.txHash) {
        throw new AppError('CONFLICT', `Proposal "${p.title}" is staked on chain ${p.stake.chainId}: its votes are cast there, from the reviewer's wallet account (proposals.voteOnChain).`);
      }
      const reviewer = input.reviewer.toLowerCase();
      if (!this.reviewerSet().has(reviewer)) {
        throw new AppError('UNAUTHORIZED', `reviewer: ${input.reviewer} is not one of the workspace's configured reviewers.`);
      }
      this.db
        .prepare(
          `INSERT INTO proposal_votes (proposal_id, reviewer, approve, comment, tx_hash, at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (proposal_id, reviewer) DO UPDATE SET approve = excluded.approve, comment = excluded.comment,
             tx_hash = excluded.tx_hash, at = excluded.at`,
        )
        .run(p.id, reviewer, input.approve ? 1 : 0, input.comment ?? '', input.txHash ?? null, nowIso());
      this.audit.append({ actor: reviewer, action: 'proposal.vote', subject: p.id, details: { approve: input.approve, txHash: input.txHash ?? null } });
      return this.votes(p.id);
    })();
  }

  /** Any move without extra inputs (review start and decision, data gathering, rounds, deployment, retirement). */
  transition(input: { id: string; to: ProposalState; actor: string; note?: string }): Proposal {
    return this.db.transaction(() => {
      const p = this.get(input.id);
      if (input.to === 'submitted') {
        throw new AppError('BAD_INPUT', 'to: use submit to move a proposal to submitted; it needs a stake.');
      }
      this.check(p, input.to);
      return this.move({ p, to: input.to, actor: input.actor, note: input.note ?? '', details: {} });
    })();
  }

  /**
   * in_review → approved or rejected as the proposal's on-chain registry decided it. The chain
   * counted the votes (its reviewers were fixed when it was deployed), so the local count is not asked.
   */
  followChain(input: { id: string; status: 'approved' | 'rejected'; actor: string; note: string; details: Record<string, unknown> }): Proposal {
    return this.db.transaction(() => {
      const p = this.get(input.id);
      if (p.stake?.where !== 'chain') throw new AppError('CONFLICT', `Proposal "${p.title}" is not staked on a chain: its review is decided by the local votes.`);
      if (p.state !== 'in_review') throw new AppError('CONFLICT', `Proposal "${p.title}" is ${p.state}, not in_review: the chain's decision (${input.status}) cannot be applied.`);
      return this.move({ p, to: input.status, actor: input.actor, note: input.note, details: input.details });
    })();
  }

  /** Attaches a tuning run's adapter and its measured figures while tuning; the timeline shows it with its evaluation. */
  attachTuning(input: { id: string; runId: string; adapterId: string; heldOutLoss: number | null; accuracy: number | null; actor: string }): Proposal {
    return this.db.transaction(() => {
      const p = this.get(input.id);
      if (p.state !== 'tuning') {
        throw new AppError('CONFLICT', `Proposal "${p.title}" is ${p.state}: a tuning result can be attached only while tuning.`);
      }
      const evaluation: ProposalEvaluation = {
        heldOutLoss: input.heldOutLoss,
        accuracy: input.accuracy,
        meetsCriteria: meetsCriteria(p.evaluationCriteria, input),
      };
      this.db
        .prepare('UPDATE proposals SET run_id = ?, adapter_id = ?, evaluation = ?, updated_at = ? WHERE id = ?')
        .run(input.runId, input.adapterId, canonicalJson(evaluation), nowIso(), p.id);
      const details = { runId: input.runId, adapterId: input.adapterId, ...evaluation };
      this.event({ id: p.id, actor: input.actor, from: 'tuning', to: 'tuning', note: attachedNote(input.adapterId, evaluation, p.evaluationCriteria), details });
      this.audit.append({ actor: input.actor, action: 'proposal.tuning', subject: p.id, details });
      return this.get(p.id);
    })();
  }

  /** The proposal as it is if tuning may start now (it is tuning already, or may move there); the refusal otherwise. */
  assertCanTune(id: string): Proposal {
    const p = this.get(id);
    if (p.state !== 'tuning') this.check(p, 'tuning');
    return p;
  }

  /** A tuning run was started for the proposal: it moves to tuning (unless it is there) and keeps the run. */
  tuningStarted(input: { id: string; runId: string; snapshotId: string; modelId: string; actor: string; note?: string }): Proposal {
    return this.db.transaction(() => {
      const p = this.get(input.id);
      const details = { runId: input.runId, snapshotId: input.snapshotId, modelId: input.modelId };
      const note = input.note ?? `tuning run ${input.runId} started`;
      if (p.state === 'tuning') {
        this.event({ id: p.id, actor: input.actor, from: 'tuning', to: 'tuning', note, details });
        this.audit.append({ actor: input.actor, action: 'proposal.tuningStart', subject: p.id, details });
      } else {
        this.check(p, 'tuning');
        this.move({ p, to: 'tuning', actor: input.actor, note, details });
      }
      this.db.prepare('UPDATE proposals SET run_id = ?, updated_at = ? WHERE id = ?').run(input.runId, nowIso(), p.id);
      return this.get(p.id);
    })();
  }

  /**
   * A training run finished with an adapter: when it is a proposal's current tuning run, the
   * adapter and its held-out loss (and accuracy, when the criteria ask for it) are attached.
   * Nothing happens for other runs, or when the proposal has moved on meanwhile.
   */
  adapterRegistered(input: { runId: string; adapterId: string; heldOutLoss: number | null; accuracy: number | null; actor: string }): Proposal | null {
    const p = this.tuningWith(input.runId);
    if (!p) return null;
    return this.attachTuning({ id: p.id, runId: input.runId, adapterId: input.adapterId, heldOutLoss: input.heldOutLoss, accuracy: input.accuracy, actor: input.actor });
  }

  /** The proposal whose current tuning run this is, while it is tuning. */
  tuningWith(runId: string): Proposal | null {
    const row = this.db.prepare(`SELECT id FROM proposals WHERE run_id = ? AND state = 'tuning'`).get(runId) as { id: string } | undefined;
    return row ? this.get(row.id) : null;
  }

  /**
   * A rating of an answer becomes an instruction record in the proposal's feedback datanet
   * (made on first use), with the rater as contributor: a good answer as given, a bad one with
   * its correction.
   */
  feedback(input: FeedbackInput): DatanetRecord {
    const p = this.get(input.proposalId);
    if (!PROPOSAL_FEEDBACK_STATES.includes(p.state)) {
      throw new AppError('CONFLICT', `Proposal "${p.title}" is ${p.state}: feedback is taken while tuning, in feedback or deployed.`);
    }
    if (input.rating === 'bad' && !input.correctedAnswer) {
      throw new AppError('BAD_INPUT', 'correctedAnswer: a bad rating needs the corrected answer to become a training record.');
    }
    return this.db.transaction(() => {
      const datanetId = p.feedbackDatanetId ?? this.feedbackDatanet(p);
      const record = this.datanets.addRecord({
        datanetId,
        content: { kind: 'instruction', instruction: input.prompt, input: '', response: input.rating === 'good' ? input.answer : input.correctedAnswer! },
        contributor: input.rater,
        license: 'CC-BY-4.0',
      });
      this.audit.append({ actor: input.rater, action: 'proposal.feedback', subject: p.id, details: { rating: input.rating, recordId: record.id } });
      return record;
    })();
  }

  private feedbackDatanet(p: Proposal): string {
    const d = this.datanets.create({ name: `${p.title} — feedback`, description: `Human feedback on answers of the model proposed in "${p.title}".` });
    this.db.prepare('UPDATE proposals SET feedback_datanet_id = ?, updated_at = ? WHERE id = ?').run(d.id, nowIso(), p.id);
    return d.id;
  }

  private reviewerSet(): Set<string> {
    return new Set(this.reviewers());
  }

  private check(p: Proposal, to: ProposalState): void {
    const reviewers = [...this.reviewerSet()];
    const votes = this.votes(p.id).filter((v) => reviewers.includes(v.reviewer));
    assertTransition(p, to, { reviewers, votes, dataMet: this.dataProgress(p.id) });
  }

  private move(m: { p: Proposal; to: ProposalState; actor: string; note: string; details: Record<string, unknown> }): Proposal {
    this.db.prepare('UPDATE proposals SET state = ?, updated_at = ? WHERE id = ?').run(m.to, nowIso(), m.p.id);
    this.record({ id: m.p.id, actor: m.actor, from: m.p.state, to: m.to, note: m.note, details: m.details });
    return this.get(m.p.id);
  }

  private record(e: ProposalEventInput) {
    this.event(e);
    this.audit.append({ actor: e.actor, action: e.from === null ? 'proposal.create' : 'proposal.transition', subject: e.id, details: { from: e.from, to: e.to, note: e.note } });
  }

  /** A timeline entry alone (the caller audits it): a move, or an event within a state (from = to). */
  private event(e: ProposalEventInput) {
    const next = (this.db.prepare('SELECT coalesce(max(seq), 0) + 1 AS seq FROM proposal_events WHERE proposal_id = ?').get(e.id) as { seq: number }).seq;
    this.db
      .prepare('INSERT INTO proposal_events (proposal_id, seq, at, actor, from_state, to_state, note, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(e.id, next, nowIso(), e.actor, e.from, e.to, e.note, canonicalJson(e.details));
  }
}

interface ProposalEventInput {
  id: string;
  actor: string;
  from: ProposalState | null;
  to: ProposalState;
  note: string;
  details: Record<string, unknown>;
}

/** "adapter ad_… attached: held-out loss 1.234 (target ≤ 2), meets the criteria". */
function attachedNote(adapterId: string, e: ProposalEvaluation, c: EvaluationCriteria): string {
  const parts: string[] = [];
  if (c.maxHeldOutLoss !== undefined || e.heldOutLoss !== null) {
    parts.push(`held-out loss ${e.heldOutLoss === null ? 'not measured' : e.heldOutLoss.toFixed(3)}${c.maxHeldOutLoss === undefined ? '' : ` (target ≤ ${c.maxHeldOutLoss})`}`);
  }
  if (c.minAccuracy !== undefined || e.accuracy !== null) {
    parts.push(`accuracy ${e.accuracy === null ? 'not measured' : e.accuracy.toFixed(3)}${c.minAccuracy === undefined ? '' : ` (target ≥ ${c.minAccuracy})`}`);
  }
  return `adapter ${adapterId} attached: ${parts.join(', ')}, ${e.meetsCriteria ? 'meets the criteria' : 'does not meet the criteria'}`;
}
