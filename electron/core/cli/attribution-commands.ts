import type { Attribution, IndexStatus } from '../../shared/attribution';
import type { ReceiptVerification } from '../../shared/receipts';
import type { Job } from '../../shared/jobs';
import { callOrThrow, type Core } from '../core';
import { positional, required, str, type Command } from './args';

const pct = (bps: number) => `${(bps / 100).toFixed(2)}%`;

export function attributionReport(a: Attribution): string {
  const lines = [`Answer: ${a.answer}`, '', `Methods: ${a.methods.join(' + ') || 'none'}`];
  // Stored receipts from before `unavailable` existed have none.
  for (const u of a.unavailable ?? []) lines.push(`Not used: ${u.method} — ${u.reason}`);
  if (a.spans.length) {
    lines.push('', 'Spans found in the data:');
    for (const s of a.spans) {
      const top = s.records.slice(0, 3).map((r) => `${r.recordId}×${r.count}`).join(', ');
      lines.push(`  "${a.answer.slice(s.start, s.end)}" (${s.tokens} tokens, ${s.occurrences} occurrence${s.occurrences === 1 ? '' : 's'}): ${top}`);
    }
  }
  if (a.records.length) {
    lines.push('', 'Records, best first:');
    for (const r of a.records.slice(0, 10)) {
      lines.push(`  ${r.recordId}  ${r.contributor}  score ${r.score.toFixed(4)}  span ${r.span.toFixed(2)}  influence ${r.influence === null ? '—' : r.influence.toExponential(3)}`);
    }
  }
  lines.push('', a.shares.length ? 'Contributor shares:' : 'No contributor can be credited for this answer.');
  for (const s of a.shares) lines.push(`  ${s.contributor}  ${pct(s.bps)}`);
  lines.push('', `Receipt ${a.receipt.digest} (${a.receipt.signature ? `signed by ${a.receipt.signer}` : 'unsigned'})`);
  return lines.join('\n');
}

const indexLine = (s: IndexStatus) => `Span index of ${s.adapterId}: ${s.span.tokens?.toLocaleString('en')} tokens, ${((s.span.bytes ?? 0) / 2 ** 20).toFixed(1)} MiB`;
const buildHint = (adapterId: string) => `build it with \`attribution index ${adapterId}\` so that \`attribute\` can match spans`;

/**
 * After `train`: waits for the span index the run started building (its progress shown by
 * `follow`) and says what came of it; when automatic indexing is off, says how to build one.
 */
export async function spanIndexAfterTraining({ core, adapterId, follow }: { core: Core; adapterId: string; follow(jobId: string): Promise<Job> }): Promise<string> {
  let status = await callOrThrow(core, 'attribution.getIndex', { adapterId });
  if (status.span.state === 'building') {
    // The build's job names its adapter in its title (a job carries no other subject).
    const build = (await callOrThrow(core, 'jobs.list', {})).items.find((j) => j.kind === 'attribution.buildIndex' && j.state === 'running' && j.title.includes(adapterId));
    if (!build) return `The span index of ${adapterId} is being built by another process on this workspace.`;
    const done = await follow(build.id);
    if (done.state !== 'succeeded') return `The span index of ${adapterId} was not built (${done.state}${done.error ? `: ${done.error.message}` : ''}): ${buildHint(adapterId)}.`;
    status = await callOrThrow(core, 'attribution.getIndex', { adapterId });
  }
  if (status.span.state === 'ready') return indexLine(status);
  if (status.span.state === 'failed') return `The span index of ${adapterId} failed to build (${status.span.error ?? 'no reason recorded'}): ${buildHint(adapterId)}.`;
  return `No span index was built (automatic indexing is off in the attribution settings): ${buildHint(adapterId)}.`;
}

export const ATTRIBUTION_COMMANDS: Command[] = [
  {
    name: 'attribute',
    usage: 'attribute --adapter <adapterId> --prompt <text> [--answer <text>] [--methods span,influence] [--max-tokens 128]',
    summary: 'Which records and contributors an answer came from, with a stored receipt (the adapter answers when no --answer is given)',
    options: { adapter: { type: 'string' }, prompt: { type: 'string' }, answer: { type: 'string' }, methods: { type: 'string' }, 'max-tokens': { type: 'string' } },
    request: ({ values }) => ({
      method: 'attribution.attribute',
      input: {
        adapterId: required(values, 'adapter'),
        prompt: required(values, 'prompt'),
        answer: str(values, 'answer'),
        methods: str(values, 'methods')?.split(',').map((m) => m.trim()) as ('span' | 'influence')[] | undefined,
        maxTokens: str(values, 'max-tokens') === undefined ? undefined : Number(str(values, 'max-tokens')),
        source: 'cli',
      },
    }),
    human: () => '',
    job: { human: (job: Job) => attributionReport(job.result as Attribution) },
  },
  {
    name: 'attribution index',
    usage: 'attribution index <adapterId>',
    summary: 'Build (or rebuild) the span index of an adapter\'s snapshot',
    positionals: ['adapterId'],
    request: ({ positionals }) => ({ method: 'attribution.buildIndex', input: { adapterId: positional(positionals, 0, 'adapterId') } }),
    human: () => '',
    job: {
      human: (job: Job) => indexLine(job.result as IndexStatus),
    },
  },
  {
    name: 'receipt export',
    usage: 'receipt export <digest> <file.json>',
    summary: 'Write a stored receipt to a file (hashes and weights only)',
    positionals: ['digest', 'file'],
    request: ({ positionals }) => ({ method: 'attribution.exportReceipt', input: { digest: positional(positionals, 0, 'digest'), path: positional(positionals, 1, 'file') } }),
    human: (v) => `Receipt written to ${(v as { path: string }).path}`,
  },
  {
    name: 'receipt verify',
    usage: 'receipt verify <file.json>',
    summary: 'Check a receipt file: its fields against its digest, and its signature',
    positionals: ['file'],
    request: ({ positionals }) => ({ method: 'attribution.verifyReceipt', input: { path: positional(positionals, 0, 'file') } }),
    human: (v) => {
      const r = v as ReceiptVerification;
      if (!r.ok) return `INVALID receipt:\n${r.problems.map((p) => `  - ${p}`).join('\n')}`;
      return `Valid receipt ${r.digest}: ${r.signed ? `signed by ${r.signer}` : 'unsigned (its fields match its digest; nobody vouches for it)'}`;
    },
    failed: (v) => !(v as ReceiptVerification).ok,
  },
];
