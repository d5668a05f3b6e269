/**
 * The whole spine on one machine, from the shipped sample files to a claimed reward, in a demo
 * workspace of its own. Every step goes through the core's contract, as the app and the CLI do;
 * the demo only chooses the inputs and collects what each step returns into a report.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { formatUnits } from 'ethers';
import type { Attribution } from '../../shared/attribution';
import type { ImportSummary } from '../../shared/curation';
import type { EventName, Input, MethodName, Output } from '../../shared/contract';
import { DEMO_STEPS, DemoReport, type DemoSize, type DemoStepEvent, type DemoStepKey } from '../../shared/demo';
import { AppError } from '../../shared/errors';
import type { Job } from '../../shared/jobs';
import type { AuditVerification } from '../../shared/audit';
import type { ModelInfo } from '../../shared/models';
import type { RewardEpoch } from '../../shared/rewards';
import type { Adapter, TrainingSettings } from '../../shared/training';
import type { EvaluationResult } from '../../shared/inference';
import type { TxOutcome } from '../../shared/chain';
import { writeFileAtomic } from '../common/atomic-file';
import { outboundActivity } from '../net/outbound';
import { callOrThrow, openCore, type Core } from '../core';
import { ensureModel, TINY } from '../models/tiny/generate';
import { DEMO_CONTRIBUTORS, DEMO_MNEMONIC, DEMO_WALLET_PASSWORD, PLANTED_FACTS, demoDataDir, demoSourceFiles, demoWords, signSampleFile } from './dataset';

/** Written into a demo workspace; only a folder holding it is ever removed by a new run. */
export const DEMO_MARKER = '.datanet-studio-demo';
export const DEMO_REPORT_FILE = 'demo-report.json';

/**
 * How the demo trains, chosen by measurement on the sample data: at this rate and length the
 * adapter's answers to the planted questions are traced (by gradient influence, and by spans where
 * it recalls the fact's words) to the planted records; longer or faster runs of this small model
 * diverge. small only shortens the answers (the spine and UI tests).
 */
const TRAINING: Partial<TrainingSettings> = { rank: 8, alpha: 16, learningRate: 3e-3, warmupSteps: 10, epochs: 16, gradAccum: 2, seqLen: 64, influenceCheckpoints: 2 };
export const DEMO_SIZES: Record<DemoSize, { questions: number; answerTokens: number }> = {
  full: { questions: 3, answerTokens: 32 },
  small: { questions: 3, answerTokens: 24 },
};
/** The held-out split that base and adapter are both evaluated on (the evaluation's default split). */
const SPLIT = { seed: 42, evalFraction: 0.1 } as const;
const REWARD_POOL = '1000';

export interface RunDemoOptions {
  workspaceDir: string;
  size?: DemoSize;
  onStep?: (e: DemoStepEvent) => void;
  signal?: AbortSignal;
  /** Sample files to import instead of the shipped ones (same row shape). */
  dataDir?: string;
}

/**
 * Empties `dir` for a new run. A folder that is not empty and was not made by the demo is refused,
 * so a mistyped --workspace can never delete someone's data.
 */
export function prepareDemoWorkspace(dir: string): string {
  const root = resolve(dir);
  if (existsSync(root) && readdirSync(root).length > 0) {
    if (!existsSync(join(root, DEMO_MARKER))) {
      throw new AppError('CONFLICT', `${root} is not empty and is not a demo workspace (it has no ${DEMO_MARKER}): choose an empty or new folder for the demo.`);
    }
    rmSync(root, { recursive: true, force: true });
  }
  mkdirSync(root, { recursive: true });
  writeFileAtomic(join(root, DEMO_MARKER), [Buffer.from('Made by the Datanet Studio demo; the next demo run deletes and recreates this folder.\n')]);
  return root;
}

/** The report of the last run in `dir`, or null. */
export function readDemoReport(dir: string): DemoReport | null {
  const file = join(resolve(dir), DEMO_REPORT_FILE);
  if (!existsSync(file)) return null;
  const parsed = DemoReport.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : null;
}

export async function runDemo(options: RunDemoOptions): Promise<DemoReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const size = options.size ?? 'full';
  const root = prepareDemoWorkspace(options.workspaceDir);
  // The demo's own workspace and its public demo keys: it approves its own wallet requests, as the CLI's --yes does.
  const core = openCore({ workspaceDir: root, host: 'cli' });
  const steps = new StepReporter(options.onStep);
  const abort = () => {
    if (options.signal?.aborted) throw new AppError('CANCELLED', 'The demo was cancelled.');
  };
  const call = <M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>> => {
    abort();
    return callOrThrow(core, method, input);
  };
  /** Waits for a job, relaying its progress into the current step and cancelling it with the demo. */
  const job = async <T>(started: Promise<{ jobId: string }>, key?: DemoStepKey): Promise<T> => {
    const { jobId } = await started;
    const stopEvents = core.onEvent((name: EventName, payload: unknown) => {
      const j = payload as Job;
      if (key && name === 'jobs.progress' && j.id === jobId) steps.progress(key, j.progress.done, j.progress.total, j.progress.message);
    });
    const cancel = () => void core.call('jobs.cancel', { jobId });
    options.signal?.addEventListener('abort', cancel);
    try {
      const done = await core.waitForJob(jobId);
      if (done.state !== 'succeeded') throw new AppError(done.error?.code ?? 'INTERNAL', `${done.title}: ${done.error?.message ?? done.state}`);
      return done.result as T;
    } finally {
      stopEvents();
      options.signal?.removeEventListener('abort', cancel);
    }
  };

  try {
    const { questions, answerTokens } = DEMO_SIZES[size];
    const facts = PLANTED_FACTS.slice(0, questions);
    const transactions: { what: string; txHash: string }[] = [];

    // 1. The wallet: the operator (account 0) publishes; contributors' accounts are added so one can claim.
    steps.start('wallet');
    const imported = await call('wallet.import', { kind: 'mnemonic', mnemonic: DEMO_MNEMONIC, password: DEMO_WALLET_PASSWORD, label: 'Demo operator' });
    await call('wallet.unlock', { password: DEMO_WALLET_PASSWORD });
    const operator = imported.accounts[0]!.address;
    for (const c of DEMO_CONTRIBUTORS) {
      const added = await call('wallet.addAccount', { label: c.name });
      if (added.address.toLowerCase() !== c.address.toLowerCase()) throw new AppError('INTERNAL', `The demo wallet derived ${added.address} for ${c.name}, expected ${c.address}.`);
    }
    // Receipts are signed by the operator as they are made (the setting a user opts into once).
    await call('attribution.setSettings', { autoSign: true });
    steps.done('wallet', `operator ${operator}, ${DEMO_CONTRIBUTORS.length} contributor accounts`);

    // 2. The datanet: each contributor's file, signed by its contributor, imported.
    steps.start('datanet');
    const datanet = await call('datanets.create', { name: 'Northfield pharmacy FAQ (demo)', description: 'Fictional clinic pharmacy counter questions, signed by four contributors. Demo data: not medical advice.' });
    const signedDir = join(root, 'sample-signed');
    mkdirSync(signedDir, { recursive: true });
    const imports: ImportSummary[] = [];
    const sources = demoSourceFiles(options.dataDir ?? demoDataDir());
    for (const [i, file] of sources.entries()) {
      const signed = await signSampleFile({ file, datanetId: datanet.id, outDir: signedDir });
      steps.progress('datanet', i, sources.length, `importing ${basename(file)}`);
      imports.push(await job<ImportSummary>(call('datanets.importFile', { datanetId: datanet.id, path: signed, format: 'jsonl' })));
    }
    const sum = (f: (s: ImportSummary) => number) => imports.reduce((n, s) => n + f(s), 0);
    steps.done('datanet', `${sum((s) => s.rowsImported)} records imported from ${sources.length} files, ${sum((s) => s.exactDuplicates)} exact duplicate rejected`);

    // 3. Curation: near duplicates rejected, PII redacted, the rest approved, a snapshot taken.
    steps.start('curate');
    const nearDups = await call('datanets.listRecords', { datanetId: datanet.id, flag: 'near-duplicate', limit: 500 });
    for (const r of nearDups.items) {
      await call('datanets.review', { datanetId: datanet.id, recordIds: [r.id], decision: 'reject', reason: `near duplicate of ${r.nearDuplicateOf?.recordId} (similarity ${r.nearDuplicateOf?.similarity.toFixed(2)})` });
    }
    const piiRecords = (await call('datanets.listRecords', { datanetId: datanet.id, flag: 'pii', limit: 500 })).total;
    const redacted = await call('datanets.redact', { datanetId: datanet.id, mode: 'mask' });
    const approved = await call('datanets.review', { datanetId: datanet.id, allPending: true, decision: 'approve' });
    if (approved.refused.length > 0) throw new AppError('INTERNAL', `The demo could not approve ${approved.refused.length} records: ${approved.refused[0]!.reason}`);
    const snapshot = await call('datanets.createSnapshot', { datanetId: datanet.id, note: 'Demo snapshot: duplicates rejected, PII redacted.' });
    const approvedRecords = (await call('datanets.listRecords', { datanetId: datanet.id, status: 'approved', limit: 500 })).items;
    const plantedIds = facts.map((f) => {
      const hit = approvedRecords.find((r) => r.content.kind === 'instruction' && r.content.response === f.answer);
      if (!hit) throw new AppError('INTERNAL', `The planted record "${f.question}" is not in the snapshot.`);
      return hit.id;
    });
    const proof = await call('datanets.getProof', { snapshotId: snapshot.id, recordId: plantedIds[0]! });
    const verified = await call('datanets.verifyProof', { proof });
    steps.done('curate', `${nearDups.items.length} near duplicates rejected, ${redacted.spans} PII spans redacted, snapshot ${snapshot.root}`);

    // 4. A small base model generated here (no download), its vocabulary holding the data's words.
    steps.start('model');
    const modelPath = ensureModel({ ...TINY, arch: 'llama', baseType: 'F32', extraWords: demoWords(sources) }, join(root, 'generated-models'));
    const model = await job<ModelInfo>(call('models.import', { path: modelPath, storage: 'reference', name: 'Tiny demo model (generated)' }), 'model');
    steps.done('model', `${model.name}: ${model.parameters.toLocaleString('en')} parameters, sha256 ${model.sha256.slice(0, 16)}…`);

    // 5. LoRA training on the snapshot; the span index and influence sketches follow on their own.
    steps.start('train');
    const trained = await job<{ adapter: Adapter }>(call('training.start', { modelId: model.id, snapshotId: snapshot.id, settings: { ...TRAINING, ...SPLIT } }), 'train');
    const adapter = trained.adapter;
    steps.done('train', `${adapter.metrics.steps} steps, last loss ${adapter.metrics.lastLoss?.toFixed(3)}, ${Math.round(adapter.metrics.tokensPerSecond)} tokens/s`);

    // 6. Held-out loss of the base and of the adapter, on the same held-out records.
    steps.start('evaluate');
    const base = await job<EvaluationResult>(call('inference.evaluate', { modelId: model.id, snapshotId: snapshot.id, split: 'held-out', accuracy: false }), 'evaluate');
    const tuned = await job<EvaluationResult>(call('inference.evaluate', { adapterId: adapter.id, snapshotId: snapshot.id, split: 'held-out', accuracy: false }), 'evaluate');
    steps.done('evaluate', `held-out loss ${base.loss.toFixed(3)} → ${tuned.loss.toFixed(3)} on ${tuned.examples} records`);

    // 7. The OpenAI-compatible API on 127.0.0.1, asked through fetch like any client would.
    steps.start('ask');
    const api = await call('serving.start', { port: 0 });
    const ask = async (modelName: string, question: string): Promise<string> => {
      abort();
      const res = await fetch(`${api.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: modelName, messages: [{ role: 'user', content: question }], max_tokens: answerTokens, temperature: 0 }),
        signal: options.signal,
      });
      const body = (await res.json()) as { choices?: { message: { content: string } }[]; error?: { message: string } };
      if (!res.ok || !body.choices?.[0]) throw new AppError('INTERNAL', `The local API answered ${res.status}: ${body.error?.message ?? 'no choices'}`);
      return body.choices[0].message.content;
    };
    const asked: { question: string; baseAnswer: string; answer: string }[] = [];
    for (const [i, f] of facts.entries()) {
      steps.progress('ask', i, facts.length, f.question);
      asked.push({ question: f.question, baseAnswer: await ask(model.id, f.question), answer: await ask(adapter.id, f.question) });
    }
    steps.done('ask', `${asked.length} questions answered through ${api.url}/v1`);

    // 8. Attribution: the API made a receipt for each adapter answer; the full attribution is read back.
    steps.start('attribute');
    await waitForReceipts(core, adapter.id, asked.filter((a) => a.answer.trim() !== '').length, options.signal);
    const answers: DemoReport['answers'] = [];
    for (const [i, a] of asked.entries()) {
      steps.progress('attribute', i, asked.length, a.question);
      const r = await job<Attribution>(call('attribution.attribute', { adapterId: adapter.id, prompt: a.question, answer: a.answer || ' ', source: 'api' }));
      answers.push({
        ...a,
        receiptDigest: r.receipt.digest,
        receiptSigned: r.receipt.signature !== null,
        plantedRecordId: plantedIds[i]!,
        plantedContributor: facts[i]!.contributor,
        topRecordId: r.records[0]?.recordId ?? null,
        namedPlanted: r.records[0]?.recordId === plantedIds[i],
        shares: r.shares.map((s) => ({ ...s, name: nameOf(s.contributor) })),
      });
    }
    steps.done('attribute', `${answers.filter((a) => a.namedPlanted).length} of ${answers.length} answers traced to their planted record`);

    // 9. The devnet: the snapshot root published and the adapter registered from the operator's account.
    steps.start('chain');
    await job(call('chain.startDevnet', {}), 'chain');
    const status = await call('chain.status', {});
    const published = await job<{ transactions: TxOutcome[] }>(call('chain.publishSnapshot', { snapshotId: snapshot.id, account: operator, autoApprove: true }), 'chain');
    for (const t of published.transactions) transactions.push({ what: `${t.contract}.${t.function}`, txHash: t.txHash });
    const registered = await job<{ transactions: TxOutcome[] }>(call('chain.registerAdapter', { adapterId: adapter.id, account: operator, autoApprove: true }), 'chain');
    for (const t of registered.transactions) transactions.push({ what: `${t.contract}.${t.function}`, txHash: t.txHash });
    steps.done('chain', `snapshot root and adapter ${adapter.sha256.slice(0, 12)}… on chain ${status.network.chainId}`);

    // 10. A reward epoch over the receipts (receipts root anchored, reward root published), one claim.
    steps.start('reward');
    const epoch = await job<RewardEpoch>(call('rewards.closeEpoch', { pool: REWARD_POOL, autoApprove: true }), 'reward');
    if (epoch.anchorTx) transactions.push({ what: 'AttributionRegistry: receipts root anchored', txHash: epoch.anchorTx });
    if (epoch.publishTx) transactions.push({ what: 'RewardDistributor: epoch reward root published', txHash: epoch.publishTx });
    const claimant = await largestClaim(core, epoch.epoch);
    const before = await call('chain.balances', { account: claimant.address });
    const claimed = await job<TxOutcome & { amount: string }>(call('rewards.claim', { epoch: epoch.epoch, account: claimant.address, autoApprove: true }), 'reward');
    transactions.push({ what: `RewardDistributor.claim for ${claimant.name}`, txHash: claimed.txHash });
    const after = await call('chain.balances', { account: claimant.address });
    const audit = await job<AuditVerification>(call('audit.verifyChain', {}));
    steps.done('reward', `${claimant.name} claimed ${formatUnits(BigInt(claimed.amount), 18)} ${after.tokenSymbol}`);

    const report = DemoReport.parse({
      workspace: root,
      size,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      stepSeconds: steps.seconds,
      wallet: { operator, contributors: DEMO_CONTRIBUTORS.map((c) => ({ name: c.name, role: c.role, address: c.address })) },
      datanet: {
        id: datanet.id,
        name: datanet.name,
        files: imports.map((s) => ({ file: s.fileName, sha256: s.fileSha256, imported: s.rowsImported, rejected: s.rowsRejected })),
        rowsSeen: sum((s) => s.rowsSeen),
        signedRecords: (await call('datanets.listRecords', { datanetId: datanet.id, flag: 'signed', limit: 1 })).total,
        exactDuplicatesRejected: sum((s) => s.exactDuplicates),
        nearDuplicatesRejected: nearDups.items.length,
        piiRecords,
        redactedSpans: redacted.spans,
        approved: snapshot.recordCount,
      },
      snapshot: { id: snapshot.id, root: snapshot.root, records: snapshot.recordCount, proof: { recordId: proof.recordId, leaf: proof.leaf, steps: proof.proof.length, verified: verified.ok } },
      model: { id: model.id, sha256: model.sha256, file: model.file, parameters: model.parameters.toLocaleString('en') },
      adapter: { id: adapter.id, sha256: adapter.sha256, configHash: adapter.configHash, steps: adapter.metrics.steps, lastLoss: adapter.metrics.lastLoss, tokensPerSecond: adapter.metrics.tokensPerSecond },
      evaluation: { examples: tuned.examples, baseLoss: base.loss, adapterLoss: tuned.loss, basePerplexity: base.perplexity, adapterPerplexity: tuned.perplexity },
      serving: { url: `${api.url}/v1` },
      answers,
      chain: { chainId: status.network.chainId, rpcUrl: status.network.rpcUrl, contracts: status.deployment ? Object.fromEntries(Object.entries(status.deployment).filter(([, v]) => typeof v === 'string')) : {}, transactions },
      epoch: { epoch: epoch.epoch, receipts: epoch.receipts, receiptsRoot: epoch.receiptsRoot, rewardRoot: epoch.root, pool: REWARD_POOL, contributors: epoch.contributors },
      claim: { name: claimant.name, account: claimant.address, amount: formatUnits(BigInt(claimed.amount), 18), txHash: claimed.txHash, balanceBefore: before.token, balanceAfter: after.token, symbol: after.tokenSymbol },
      audit: { entries: audit.checked, intact: audit.ok, headHash: audit.headHash },
      outboundRequests: outboundActivity().recent.filter((r) => r.at >= startedAt).length,
      whereToLook: [
        { screen: 'Datanets', what: `"${datanet.name}": records with their signed / PII / near-duplicate flags, the rejected duplicates, snapshot v${snapshot.version} and its root` },
        { screen: 'Train', what: `the run's loss curve and adapter ${adapter.id}` },
        { screen: 'Playground', what: `ask ${adapter.id} the demo questions beside the base model` },
        { screen: 'Attribution', what: `${answers.length} receipts, each with its spans, records and contributor shares (Verify checks the signature)` },
        { screen: 'Rewards', what: `epoch ${epoch.epoch} and ${claimant.name}'s claimed reward` },
        { screen: 'Wallet', what: 'the demo accounts and the devnet activity (every transaction above)' },
        { screen: 'Settings', what: `the audit log: ${audit.checked} hash-chained entries` },
      ],
    });
    writeFileAtomic(join(root, DEMO_REPORT_FILE), [Buffer.from(JSON.stringify(report, null, 2) + '\n')]);
    return report;
  } finally {
    await core.close();
  }
}

const nameOf = (address: string) => DEMO_CONTRIBUTORS.find((c) => c.address.toLowerCase() === address.toLowerCase())?.name ?? address;

/** The contributor with the largest reward in the epoch claims it (every contributor's account is in the demo wallet). */
async function largestClaim(core: Core, epoch: number): Promise<{ name: string; address: string }> {
  let best: { name: string; address: string; amount: bigint } | null = null;
  for (const c of DEMO_CONTRIBUTORS) {
    const item = (await callOrThrow(core, 'rewards.claims', { account: c.address })).items.find((x) => x.epoch === epoch);
    if (item && (!best || BigInt(item.amount) > best.amount)) best = { name: c.name, address: c.address, amount: BigInt(item.amount) };
  }
  if (!best) throw new AppError('INTERNAL', `No demo contributor has a reward in epoch ${epoch}: no answer was attributed to the data.`);
  return best;
}

/** API answers get their receipts in the background; the demo waits for them before reading them back. */
async function waitForReceipts(core: Core, adapterId: string, count: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await callOrThrow(core, 'attribution.listReceipts', { adapterId, limit: 1 })).total < count) {
    if (signal?.aborted) throw new AppError('CANCELLED', 'The demo was cancelled.');
    if (Date.now() > deadline) throw new AppError('INTERNAL', `The API's answers got no attribution receipts within 2 minutes (wanted ${count}).`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Turns step boundaries and in-step progress into DemoStepEvents. */
class StepReporter {
  readonly seconds: Record<string, number> = {};
  private startedAt = 0;

  constructor(private readonly onStep?: (e: DemoStepEvent) => void) {}

  private emit(key: DemoStepKey, state: DemoStepEvent['state'], message: string, done: number | null = null, of: number | null = null) {
    const index = DEMO_STEPS.findIndex((s) => s.key === key);
    this.onStep?.({ key, index, total: DEMO_STEPS.length, title: DEMO_STEPS[index]!.title, state, message, done, of });
  }

  start(key: DemoStepKey) {
    this.startedAt = performance.now();
    this.emit(key, 'started', '');
  }

  progress(key: DemoStepKey, done: number, of: number | null, message: string) {
    this.emit(key, 'progress', message, done, of);
  }

  done(key: DemoStepKey, message: string) {
    this.seconds[key] = Math.round((performance.now() - this.startedAt) / 100) / 10;
    this.emit(key, 'done', message);
  }
}
