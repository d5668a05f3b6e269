import type { Attribution, IndexStatus } from '../../shared/attribution';
import type { ReceiptVerification } from '../../shared/receipts';
import type { Job } from '../../shared/jobs';
import { positional, required, str, type Command } from './args';

const pct = (bps: number) => `${(bps / 100).toFixed(2)}%`;

export function attributionReport(a: Attribution): string {
  const lines = [`Answer: ${a.answer}`, '', `Methods: ${a.methods.join(' + ') || 'none (no index or sketches for this adapter)'}`];
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
      human: (job: Job) => {
        const s = job.result as IndexStatus;
        return `Span index of ${s.adapterId}: ${s.span.tokens?.toLocaleString('en')} tokens, ${((s.span.bytes ?? 0) / 2 ** 20).toFixed(1)} MiB`;
      },
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
