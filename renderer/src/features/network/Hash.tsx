import { Copy } from 'lucide-react';
import { toast } from 'sonner';
import { shortHash } from '../../components/ui';

/** A hash or address shortened, with the whole value in its title and a copy button. */
export function Hash({ value, label, testId }: { value: string; label: string; testId?: string }) {
  const copy = async () => {
    await navigator.clipboard.writeText(value);
    toast.success(`${label} copied`);
  };
  return (
    <span className="hash mono" title={value}>
      <span data-testid={testId} data-value={value}>
        {shortHash(value)}
      </span>
      <button type="button" className="icon-btn" aria-label={`Copy ${label}`} onClick={() => void copy()}>
        <Copy size={12} />
      </button>
    </span>
  );
}
