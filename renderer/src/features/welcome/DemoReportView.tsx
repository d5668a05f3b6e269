import type { DemoReport } from '../../../../electron/shared/demo';
import { shortHash } from '../../components/ui';

const pct = (bps: number) => `${(bps / 100).toFixed(1)}%`;

/** The demo's report: what each step produced, every hash and transaction, and where to look. */
export function DemoReportView({ report: r }: { report: DemoReport }) {
  return (
    <section className="card demo-report" data-testid="demo-report" aria-label="Demo report">
      <div className="card-head">
        <h2>Demo report</h2>
        <span className="muted small">
          {r.seconds} s · {r.size}
        </span>
      </div>
      <dl>
        <dt>Datanet</dt>
        <dd>
          {r.datanet.name}: {r.datanet.signedRecords} signed records imported, {r.datanet.exactDuplicatesRejected} exact and {r.datanet.nearDuplicatesRejected} near
          duplicates rejected, {r.datanet.piiRecords} records with PII redacted
        </dd>
        <dt>Snapshot root</dt>
        <dd className="mono" data-testid="demo-snapshot-root">
          {r.snapshot.root}
        </dd>
        <dt>Inclusion proof</dt>
        <dd>{r.snapshot.proof.verified ? `verifies (${r.snapshot.proof.steps} steps)` : 'does not verify'}</dd>
        <dt>Adapter</dt>
        <dd className="mono">
          {r.adapter.id} · sha256 {shortHash(r.adapter.sha256)}
        </dd>
        <dt>Held-out loss</dt>
        <dd data-testid="demo-loss">
          base {r.evaluation.baseLoss.toFixed(3)} → adapter {r.evaluation.adapterLoss.toFixed(3)} ({r.evaluation.examples} records)
        </dd>
        <dt>Receipts root</dt>
        <dd className="mono">{r.epoch.receiptsRoot}</dd>
        <dt>Reward root</dt>
        <dd className="mono">{r.epoch.rewardRoot}</dd>
        <dt>Claim</dt>
        <dd data-testid="demo-claim">
          {r.claim.name} claimed {r.claim.amount} {r.claim.symbol} (balance {r.claim.balanceBefore} → {r.claim.balanceAfter})
        </dd>
        <dt>Audit log</dt>
        <dd>
          {r.audit.entries} entries, {r.audit.intact ? 'intact' : 'broken'}
        </dd>
      </dl>
      <h3>Answers and who they came from</h3>
      {r.answers.map((a) => (
        <div key={a.receiptDigest} className="demo-answer">
          <div className="strong">{a.question}</div>
          <div>
            adapter: <q>{a.answer}</q> <span className="muted">· base: <q>{a.baseAnswer}</q></span>
          </div>
          <div className="muted">
            {a.namedPlanted ? `Traced to the planted record by ${a.plantedContributor}. ` : ''}
            Shares: {a.shares.map((s) => `${s.name} ${pct(s.bps)}`).join(', ') || 'nobody'} · receipt <span className="mono">{shortHash(a.receiptDigest)}</span>
            {a.receiptSigned ? ' (signed)' : ''}
          </div>
        </div>
      ))}
      <h3>Transactions on the devnet (chain {r.chain.chainId})</h3>
      <dl>
        {r.chain.transactions.map((t) => (
          <div key={t.txHash} className="demo-kv">
            <dt>{t.what}</dt>
            <dd className="mono">{t.txHash}</dd>
          </div>
        ))}
      </dl>
      <h3>Where to look</h3>
      <p className="muted small">
        The demo ran in a workspace of its own: <span className="mono">{r.workspace}</span>. Open it with{' '}
        <code>npm run serve -- --workspace &quot;{r.workspace}&quot;</code> to see it in each screen:
      </p>
      <dl>
        {r.whereToLook.map((w) => (
          <div key={w.screen} className="demo-kv">
            <dt>{w.screen}</dt>
            <dd>{w.what}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
