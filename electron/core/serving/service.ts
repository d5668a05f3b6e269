import type { ServingStatus, UsageRow } from '../../shared/serving';
import { AppError } from '../../shared/errors';
import { PROPOSAL_MODEL_PREFIX, proposalModelName, type Proposal } from '../../shared/proposals';
import type { Db } from '../db/open';
import type { ModelRegistry } from '../models/registry';
import type { TrainingRuns } from '../training/app-runs';
import type { ProposalStore } from '../proposals/store';
import { assertServable } from '../lineage/consent-settings';
import { startApiServer, type ApiBackend, type ApiServer, type ServedModel } from './api-server';

const ADAPTER = /^ad_[0-9a-f]{16}$/;
const MODEL = /^mdl_[0-9a-f]{16}$/;

/**
 * The local OpenAI-compatible API over the workspace's models and adapters. A model name is a
 * registered model ("mdl_…"), an adapter on the base it was trained on ("ad_…"), or an adapter on
 * a chosen base ("mdl_…+ad_…"), or a deployed proposal ("proposal:<slug of its title>": its
 * attached adapter on the base it was trained on, for as long as the proposal stays deployed).
 * Usage is metered per name and day with the adapter that answered, and adapter answers get
 * receipts through onAnswer, so a proposal's use flows into rewards like any other.
 */
export class ServingService implements ApiBackend {
  private server: ApiServer | null = null;

  constructor(
    private readonly d: {
      db: Db;
      models: ModelRegistry;
      training: TrainingRuns;
      proposals: Pick<ProposalStore, 'list'>;
      /** An adapter answered through the API: attribution makes its receipt (in the background). */
      onAnswer?: (a: { adapterId: string; prompt: string; answer: string; usageTokens: number }) => Promise<unknown>;
    },
  ) {}

  answered(model: ServedModel, exchange: { prompt: string; answer: string; completionTokens: number }): void {
    if (!model.adapterId || !exchange.answer || !this.d.onAnswer) return;
    void this.d.onAnswer({ adapterId: model.adapterId, prompt: exchange.prompt, answer: exchange.answer, usageTokens: exchange.completionTokens });
  }

  listModels() {
    const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
    return [
      ...this.d.models.list().map((m) => ({ id: m.id, created: seconds(m.createdAt) })),
      ...this.d.training.listAdapters().map((a) => ({ id: a.id, created: seconds(a.createdAt) })),
      ...[...new Map(this.deployedProposals().map((p) => [proposalModelName(p), p])).entries()].map(([id, p]) => ({ id, created: seconds(p.createdAt) })),
    ];
  }

  resolve(name: string): ServedModel {
    if (name.startsWith(PROPOSAL_MODEL_PREFIX)) return this.resolveProposal(name);
    const [first, second] = name.split('+');
    if (second !== undefined) {
      if (!MODEL.test(first!) || !ADAPTER.test(second)) throw new AppError('NOT_FOUND', `The model "${name}" is not base+adapter (mdl_…+ad_…).`);
      const adapter = this.d.training.getAdapter(second);
      assertServable({ db: this.d.db, adapterId: adapter.id });
      return { name, adapterId: adapter.id, load: { modelPath: this.d.models.get(first!).file, adapterPath: adapter.file } };
    }
    if (ADAPTER.test(name)) {
      const adapter = this.d.training.getAdapter(name);
      assertServable({ db: this.d.db, adapterId: adapter.id });
      return { name, adapterId: adapter.id, load: { modelPath: adapter.baseModelPath, adapterPath: adapter.file } };
    }
    if (MODEL.test(name)) return { name, adapterId: null, load: { modelPath: this.d.models.get(name).file } };
    throw new AppError('NOT_FOUND', `The model "${name}" does not exist. GET /v1/models lists the names.`);
  }

  private deployedProposals(): Proposal[] {
    return this.d.proposals.list({ state: 'deployed' }).filter((p) => p.adapterId !== null);
  }

  /** A deployed proposal by its served name (or "proposal:prop_…"); a proposal that is not deployed (any more) is refused by name. */
  private resolveProposal(name: string): ServedModel {
    const named = (p: Proposal) => proposalModelName(p) === name || `${PROPOSAL_MODEL_PREFIX}${p.id}` === name;
    const deployed = this.deployedProposals().filter(named);
    if (deployed.length > 1) {
      throw new AppError('CONFLICT', `The model "${name}" names ${deployed.length} deployed proposals (${deployed.map((p) => `"${p.title}"`).join(', ')}): use ${deployed.map((p) => `${PROPOSAL_MODEL_PREFIX}${p.id}`).join(' or ')}.`);
    }
    const p = deployed[0];
    if (!p) {
      const other = this.d.proposals.list().find(named);
      if (other) {
        throw new AppError('NOT_FOUND', `The model "${name}" is the proposal "${other.title}", which is ${other.state.replace('_', ' ')}, not deployed: it is served only while deployed.`);
      }
      throw new AppError('NOT_FOUND', `The model "${name}" does not exist: no deployed proposal is served under that name. GET /v1/models lists the names.`);
    }
    const adapter = this.d.training.getAdapter(p.adapterId!);
    assertServable({ db: this.d.db, adapterId: adapter.id });
    return { name, adapterId: adapter.id, load: { modelPath: adapter.baseModelPath, adapterPath: adapter.file } };
  }

  meter(model: ServedModel, promptTokens: number, completionTokens: number): void {
    this.d.db
      .prepare(
        `INSERT INTO usage (model, adapter_id, day, requests, prompt_tokens, completion_tokens) VALUES (?, ?, ?, 1, ?, ?)
         ON CONFLICT (model, day) DO UPDATE SET requests = requests + 1, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
           completion_tokens = completion_tokens + excluded.completion_tokens`,
      )
      .run(model.name, model.adapterId, new Date().toISOString().slice(0, 10), promptTokens, completionTokens);
  }

  usage(): UsageRow[] {
    const rows = this.d.db.prepare('SELECT * FROM usage ORDER BY day DESC, model').all() as {
      model: string;
      adapter_id: string | null;
      day: string;
      requests: number;
      prompt_tokens: number;
      completion_tokens: number;
    }[];
    return rows.map((r) => ({ model: r.model, adapterId: r.adapter_id, day: r.day, requests: r.requests, promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens }));
  }

  status(): ServingStatus {
    return {
      running: this.server !== null,
      url: this.server?.url ?? null,
      token: this.server?.token ?? null,
      maxQueued: this.server?.maxQueued ?? null,
      waiting: this.server?.waiting() ?? 0,
    };
  }

  async start(port: number, maxQueued?: number): Promise<ServingStatus> {
    if (this.server) throw new AppError('CONFLICT', `The API is already running at ${this.server.url}.`);
    try {
      this.server = await startApiServer(this, { port, maxQueued });
    } catch (e) {
      throw new AppError('CONFLICT', `Cannot listen on 127.0.0.1:${port}: ${(e as Error).message}`);
    }
    return this.status();
  }

  async stop(): Promise<ServingStatus> {
    await this.server?.close();
    this.server = null;
    return this.status();
  }
}
