import type { DemoReport, DemoStepEvent } from '../../shared/demo';

const bps = (n: number) => `${(n / 100).toFixed(1)}%`;
const quote = (s: string) => JSON.stringify(s.length > 90 ? `${s.slice(0, 87)}...` : s);

/** The demo's report as the terminal prints it: every hash, root and transaction, and where to look. */
export function formatDemoReport(r: DemoReport): string {
  const lines: string[] = [];
  const h = (title: string) => lines.push('', title);
  const kv = (k: string, v: string | number) => lines.push(`  ${k.padEnd(22)} ${v}`);
  lines.push(`Datanet Studio demo: done in ${r.seconds} s (${r.size}), workspace ${r.workspace}`);
  lines.push(`  seconds per step: ${Object.entries(r.stepSeconds).map(([k, s]) => `${k} ${s}`).join(', ')}`);

  h('1. Datanet');
  kv('datanet', `${r.datanet.name} (${r.datanet.id})`);
  for (const f of r.datanet.files) kv(`  ${f.file}`, `${f.imported} imported, ${f.rejected} rejected, sha256 ${f.sha256 ?? '-'}`);
  kv('signed records', `${r.datanet.signedRecords} of ${r.datanet.rowsSeen} rows carry a valid EIP-712 contribution signature`);
  kv('duplicates', `${r.datanet.exactDuplicatesRejected} exact (rejected at import), ${r.datanet.nearDuplicatesRejected} near (rejected in review)`);
  kv('PII', `${r.datanet.piiRecords} records flagged, ${r.datanet.redactedSpans} spans redacted`);
  kv('snapshot', `${r.snapshot.id}: ${r.snapshot.records} approved records`);
  kv('snapshot root', r.snapshot.root);
  kv('inclusion proof', `${r.snapshot.proof.recordId}, leaf ${r.snapshot.proof.leaf}, ${r.snapshot.proof.steps} steps: ${r.snapshot.proof.verified ? 'verifies' : 'DOES NOT VERIFY'}`);

  h('2. Model and adapter');
  kv('base model', `${r.model.id} (generated, ${r.model.parameters} parameters)`);
  kv('base sha256', r.model.sha256);
  kv('adapter', `${r.adapter.id}: ${r.adapter.steps} steps, last loss ${r.adapter.lastLoss?.toFixed(3) ?? '-'}, ${Math.round(r.adapter.tokensPerSecond)} tokens/s`);
  kv('adapter sha256', r.adapter.sha256);
  kv('config hash', r.adapter.configHash);
  kv('held-out loss', `base ${r.evaluation.baseLoss.toFixed(3)} (ppl ${r.evaluation.basePerplexity.toFixed(1)}) -> adapter ${r.evaluation.adapterLoss.toFixed(3)} (ppl ${r.evaluation.adapterPerplexity.toFixed(1)}) on ${r.evaluation.examples} records`);

  h(`3. Answers through ${r.serving.url} and their attribution`);
  for (const a of r.answers) {
    lines.push(`  Q: ${a.question}`);
    lines.push(`     base:    ${quote(a.baseAnswer)}`);
    lines.push(`     adapter: ${quote(a.answer)}`);
    lines.push(`     top record ${a.topRecordId ?? '(none)'}${a.namedPlanted ? ` = the planted record by ${a.plantedContributor}` : ` (planted: ${a.plantedRecordId} by ${a.plantedContributor})`}`);
    lines.push(`     shares: ${a.shares.map((s) => `${s.name} ${bps(s.bps)}`).join(', ') || 'nobody (nothing of the answer is in the data)'}`);
    lines.push(`     receipt ${a.receiptDigest} (${a.receiptSigned ? 'signed by the operator' : 'unsigned'})`);
  }

  h(`4. Chain ${r.chain.chainId} (local devnet ${r.chain.rpcUrl ?? ''})`);
  for (const [name, address] of Object.entries(r.chain.contracts)) kv(name, address);
  for (const t of r.chain.transactions) kv('tx', `${t.txHash}  ${t.what}`);
  kv('epoch', `${r.epoch.epoch}: ${r.epoch.receipts} receipts, ${r.epoch.contributors} contributors, pool ${r.epoch.pool}`);
  kv('receipts root', r.epoch.receiptsRoot);
  kv('reward root', r.epoch.rewardRoot);
  kv('claim', `${r.claim.name} (${r.claim.account}) claimed ${r.claim.amount} ${r.claim.symbol}: balance ${r.claim.balanceBefore} -> ${r.claim.balanceAfter}`);
  kv('audit log', `${r.audit.entries} entries, chain ${r.audit.intact ? 'intact' : 'BROKEN'}, head ${r.audit.headHash}`);
  kv('network', r.outboundRequests === 0 ? 'nothing left this machine (everything above ran on 127.0.0.1)' : `${r.outboundRequests} requests left this machine`);

  h('Where to look in the app');
  lines.push(`  Open this workspace: npm run serve -- --workspace ${r.workspace}`);
  for (const w of r.whereToLook) kv(w.screen, w.what);
  lines.push('', 'The demo keys are public test keys (electron/core/demo/dataset.ts): never send anything of value to them.');
  return lines.join('\n');
}

/** A one-line progress bar for a step with a measure, e.g. training steps. */
export function progressBar(e: DemoStepEvent, width = 28): string {
  const frac = e.done !== null && e.of ? Math.min(1, e.done / e.of) : null;
  const bar = frac === null ? '' : `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${Math.round(frac * 100)}% `;
  return `  ${bar}${e.message}`.slice(0, 110);
}
