import { useEffect, useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import type { AttributionSettings } from '../../../../electron/shared/attribution';
import { Button, Field, errorMessage, FormError } from '../../components/ui';
import { useAttribution } from '../../store/attribution';

/** How answers are attributed and whether receipts are made and signed without asking. */
export function SettingsPanel() {
  const { settings, loadSettings } = useAttribution();
  useEffect(() => {
    void loadSettings();
  }, [loadSettings]);
  // Keyed by the saved values, so a save (here or from another window) starts a fresh draft.
  return settings ? <SettingsForm key={JSON.stringify(settings)} settings={settings} /> : <div className="muted">Loading…</div>;
}

function SettingsForm({ settings }: { settings: AttributionSettings }) {
  const saveSettings = useAttribution((s) => s.saveSettings);
  const [draft, setDraft] = useState(settings);
  const [error, setError] = useState<string | null>(null);
  const set = <K extends keyof AttributionSettings>(k: K, v: AttributionSettings[K]) => setDraft({ ...draft, [k]: v });
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await saveSettings(draft);
      toast.success('Attribution settings saved');
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <form className="card form settings-form" onSubmit={(e) => void save(e)}>
      <label className="inline-check">
        <input type="checkbox" checked={draft.autoIndex} onChange={(e) => set('autoIndex', e.target.checked)} /> Build the span index of each new adapter when its training finishes
      </label>
      <label className="inline-check">
        <input type="checkbox" checked={draft.autoReceipts} onChange={(e) => set('autoReceipts', e.target.checked)} /> Make a receipt for every answer (API and Playground)
      </label>
      <label className="inline-check">
        <input type="checkbox" checked={draft.autoSign} onChange={(e) => set('autoSign', e.target.checked)} /> Sign receipts with the unlocked wallet without asking each time
      </label>
      <div className="form-row form-row-3">
        <Field label="Minimum span (tokens)" hint="Shorter matches are too common to name a source.">
          <input type="number" min={2} max={256} step={1} value={draft.minSpanTokens} onChange={(e) => set('minSpanTokens', Number(e.target.value))} />
        </Field>
        <Field label="Span weight" hint="0 to 1">
          <input type="number" min={0} max={1} step={0.05} value={draft.spanWeight} onChange={(e) => set('spanWeight', Number(e.target.value))} />
        </Field>
        <Field label="Influence weight" hint="0 to 1">
          <input type="number" min={0} max={1} step={0.05} value={draft.influenceWeight} onChange={(e) => set('influenceWeight', Number(e.target.value))} />
        </Field>
      </div>
      <FormError error={error} />
      <div className="form-actions">
        <Button onClick={() => setDraft(settings)} disabled={draft === settings}>
          Revert
        </Button>
        <Button variant="primary" type="submit" disabled={draft === settings}>
          Save settings
        </Button>
      </div>
    </form>
  );
}
