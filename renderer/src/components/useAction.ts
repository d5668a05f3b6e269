import { useCallback, useState } from 'react';
import { errorMessage } from './ui';

/**
 * A form's one action at a time: `busy` while it runs, its error as text afterwards. `run`
 * resolves true when the action succeeded, so the caller can clear its fields or say so.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (action: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(errorMessage(e));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}
