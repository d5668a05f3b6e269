import { z } from 'zod';
import { Address, Hash32 } from './common';
import { JobRef } from './jobs';

/** full: the demo as `npm run demo` runs it; small: shorter answers (tests). */
export const DemoSize = z.enum(['full', 'small']);
export type DemoSize = z.infer<typeof DemoSize>;

/** The steps in order; weight is each one's share of a measured run's time (percent), for one honest progress bar. */
export const DEMO_STEPS = [
  { key: 'wallet', title: 'Demo wallet', weight: 2 },
  { key: 'datanet', title: 'Datanet: import signed files', weight: 3 },
  { key: 'curate', title: 'Curate: duplicates, PII, review, snapshot', weight: 1 },
  { key: 'model', title: 'Generate a small base model', weight: 1 },
  { key: 'train', title: 'Train a LoRA adapter', weight: 70 },
  { key: 'evaluate', title: 'Evaluate base vs adapter', weight: 6 },
  { key: 'ask', title: 'Serve the adapter and ask it', weight: 12 },
  { key: 'attribute', title: 'Attribute each answer', weight: 2 },
  { key: 'chain', title: 'Devnet: publish snapshot, register adapter', weight: 2 },
  { key: 'reward', title: 'Close a reward epoch and claim', weight: 2 },
] as const;
export type DemoStepKey = (typeof DEMO_STEPS)[number]['key'];

/** One step's progress, for the CLI's lines and bars and the demo job's progress message. */
export const DemoStepEvent = z.object({
  key: z.enum(DEMO_STEPS.map((s) => s.key) as [DemoStepKey, ...DemoStepKey[]]),
  index: z.number().int(),
  total: z.number().int(),
  title: z.string(),
  state: z.enum(['started', 'progress', 'done']),
  message: z.string(),
  /** Within-step progress (training steps, imported bytes), when the step has a measure. */
  done: z.number().nullable(),
  of: z.number().nullable(),
});
export type DemoStepEvent = z.infer<typeof DemoStepEvent>;

const Tx = z.object({ what: z.string(), txHash: Hash32 });
const Share = z.object({ contributor: Address, name: z.string(), bps: z.number().int() });

export const DemoReport = z.object({
  workspace: z.string(),
  size: DemoSize,
  seconds: z.number(),
  /** Wall-clock seconds of each step, by step key. */
  stepSeconds: z.record(z.string(), z.number()),
  wallet: z.object({ operator: Address, contributors: z.array(z.object({ name: z.string(), role: z.string(), address: Address })) }),
  datanet: z.object({
    id: z.string(),
    name: z.string(),
    files: z.array(z.object({ file: z.string(), sha256: z.string().nullable(), imported: z.number().int(), rejected: z.number().int() })),
    rowsSeen: z.number().int(),
    signedRecords: z.number().int(),
    exactDuplicatesRejected: z.number().int(),
    nearDuplicatesRejected: z.number().int(),
    piiRecords: z.number().int(),
    redactedSpans: z.number().int(),
    approved: z.number().int(),
  }),
  snapshot: z.object({
    id: z.string(),
    root: Hash32,
    records: z.number().int(),
    /** An inclusion proof of a planted record, checked against the root. */
    proof: z.object({ recordId: z.string(), leaf: Hash32, steps: z.number().int(), verified: z.boolean() }),
  }),
  model: z.object({ id: z.string(), sha256: z.string(), file: z.string(), parameters: z.string() }),
  adapter: z.object({ id: z.string(), sha256: z.string(), configHash: z.string(), steps: z.number().int(), lastLoss: z.number().nullable(), tokensPerSecond: z.number() }),
  evaluation: z.object({ examples: z.number().int(), baseLoss: z.number(), adapterLoss: z.number(), basePerplexity: z.number(), adapterPerplexity: z.number() }),
  serving: z.object({ url: z.string() }),
  answers: z.array(
    z.object({
      question: z.string(),
      baseAnswer: z.string(),
      answer: z.string(),
      receiptDigest: Hash32,
      receiptSigned: z.boolean(),
      /** The planted record that states the fact asked about, and whether attribution ranked it first. */
      plantedRecordId: z.string(),
      plantedContributor: z.string(),
      topRecordId: z.string().nullable(),
      namedPlanted: z.boolean(),
      shares: z.array(Share),
    }),
  ),
  chain: z.object({
    chainId: z.number().int(),
    rpcUrl: z.string().nullable(),
    contracts: z.record(z.string(), z.string()),
    transactions: z.array(Tx),
  }),
  epoch: z.object({ epoch: z.number().int(), receipts: z.number().int(), receiptsRoot: Hash32, rewardRoot: Hash32, pool: z.string(), contributors: z.number().int() }),
  claim: z.object({ name: z.string(), account: Address, amount: z.string(), txHash: Hash32, balanceBefore: z.string(), balanceAfter: z.string(), symbol: z.string() }),
  audit: z.object({ entries: z.number().int(), intact: z.boolean(), headHash: Hash32 }),
  /** Requests that left this machine while the demo ran (through core/net/outbound): 0 means it ran offline. */
  outboundRequests: z.number().int(),
  whereToLook: z.array(z.object({ screen: z.string(), what: z.string() })),
});
export type DemoReport = z.infer<typeof DemoReport>;

export const demoMethods = {
  /**
   * A job: the whole spine in a demo workspace of its own (<workspace>/demo, recreated each run),
   * from the shipped sample files to a claimed reward. Its result is the DemoReport.
   */
  'demo.run': { input: z.object({ size: DemoSize.default('full') }).strict(), output: JobRef },
  /** The last demo report of this workspace, if the demo has run. */
  'demo.lastReport': { input: z.object({}).strict(), output: z.object({ report: DemoReport.nullable() }) },
} as const;
