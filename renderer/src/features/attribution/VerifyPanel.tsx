import { ShieldCheck } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import type { ReceiptVerification } from '../../../../electron/shared/receipts';
import { client } from '../../api';
import { Button, Field, errorMessage, FormError } from '../../components/ui';
import { VerificationResult } from './VerificationResult';

/** Checks a receipt from anywhere — pasted JSON or a file on this machine — without trusting it. */
export function VerifyPanel() {
  const [json, setJson] = useState('');
  const [path, setPath] = useState('');
  const [result, setResult] = useState<ReceiptVerification | null>(null);
  const [error, setError] = useState<string | null>(null);

  const verify = async (e: FormEvent) => {
    e.preventDefault();
    setResult(null);
    setError(null);
    let input: { receipt: unknown } | { path: string };
    if (json.trim()) {
      try {
        input = { receipt: JSON.parse(json) as unknown };
      } catch (err) {
        return setError(`The pasted text is not JSON: ${errorMessage(err)}`);
      }
    } else input = { path: path.trim() };
    try {
      setResult(await client!.call('attribution.verifyReceipt', input));
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <form className="card form verify-form" onSubmit={(e) => void verify(e)}>
      <Field label="Receipt JSON" hint="Paste a receipt file's contents, or leave empty and give a path below.">
        <textarea className="mono" rows={10} value={json} onChange={(e) => setJson(e.target.value)} spellCheck={false} />
      </Field>
      <Field label="Receipt file path">
        <input value={path} disabled={json.trim().length > 0} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/receipt.json" />
      </Field>
      <FormError error={error} />
      {result ? <VerificationResult result={result} /> : null}
      <div className="form-actions">
        <Button variant="primary" type="submit" disabled={!json.trim() && !path.trim()}>
          <ShieldCheck size={14} /> Verify receipt
        </Button>
      </div>
    </form>
  );
}
