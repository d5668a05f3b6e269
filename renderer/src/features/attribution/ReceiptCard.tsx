import { Download, ShieldCheck } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import type { ReceiptFile, ReceiptVerification } from '../../../../electron/shared/receipts';
import { client } from '../../api';
import { Button, errorMessage, shortHash } from '../../components/ui';
import { VerificationResult } from './VerificationResult';

/** The receipt of an attribution: its digest, whether it is signed, and Verify / Export. */
export function ReceiptCard({ receipt }: { receipt: ReceiptFile }) {
  const [verification, setVerification] = useState<ReceiptVerification | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [exportPath, setExportPath] = useState('');
  const body = receipt.receipt;

  const verify = async () => {
    setVerifying(true);
    try {
      setVerification(await client!.call('attribution.verifyReceipt', { receipt }));
    } catch (e) {
      toast.error(errorMessage(e));
    } finally {
      setVerifying(false);
    }
  };
  const exportTo = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const r = await client!.call('attribution.exportReceipt', { digest: receipt.digest, path: exportPath.trim() });
      toast.success(`Receipt written to ${r.path}`);
    } catch (err) {
      toast.error(errorMessage(err));
    }
  };

  return (
    <section className="receipt" aria-label="Receipt" data-testid="receipt">
      <div className="receipt-head">
        <span className="detail-label">Receipt</span>
        {receipt.signature ? <span className="badge flag-signed">signed</span> : <span className="badge badge-pending">unsigned</span>}
        <span className="status-spacer" />
        <Button onClick={() => void verify()} disabled={verifying}>
          <ShieldCheck size={14} /> Verify
        </Button>
      </div>
      <dl className="meta">
        <dt>Digest</dt>
        <dd className="mono wrap" data-testid="receipt-digest">
          {receipt.digest}
        </dd>
        <dt>Signer</dt>
        <dd className="mono">{receipt.signer ?? 'none — unlock a wallet to sign receipts'}</dd>
        <dt>Method</dt>
        <dd>{body.method}</dd>
        <dt>Snapshot root</dt>
        <dd className="mono" title={body.snapshotRoot}>
          {shortHash(body.snapshotRoot)}
        </dd>
        <dt>Adapter</dt>
        <dd className="mono" title={body.adapterSha256}>
          {shortHash(body.adapterSha256)}
        </dd>
        <dt>Time</dt>
        <dd>{new Date(body.timestamp * 1000).toLocaleString()}</dd>
      </dl>
      {verification ? <VerificationResult result={verification} /> : null}
      <form className="export-row" onSubmit={(e) => void exportTo(e)}>
        <input aria-label="Export path" placeholder="/path/to/receipt.json" value={exportPath} onChange={(e) => setExportPath(e.target.value)} />
        <Button type="submit" disabled={!exportPath.trim()}>
          <Download size={14} /> Export receipt
        </Button>
      </form>
    </section>
  );
}
