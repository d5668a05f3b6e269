import type { ReceiptVerification } from '../../../../electron/shared/receipts';

/** What verifying a receipt found: valid (and by whom it is signed) or each problem, naming the field. */
export function VerificationResult({ result }: { result: ReceiptVerification }) {
  if (result.ok) {
    return (
      <div className="notice notice-ok" role="status" data-testid="verification">
        Receipt valid — {result.signed && result.signer ? <>signed by <span className="mono">{result.signer}</span></> : 'not signed (the digest matches its contents)'}
      </div>
    );
  }
  return (
    <div className="notice notice-bad" role="alert" data-testid="verification">
      Receipt invalid{result.problems.length ? ':' : ''}
      <ul className="problems-list">
        {result.problems.map((p, i) => (
          <li key={i}>{p}</li>
        ))}
      </ul>
    </div>
  );
}
