import { Construction } from 'lucide-react';
import { SECTIONS, type SectionId } from '../../../../electron/shared/app';
import { EmptyState, PageHeader } from '../../components/ui';

/** A section whose feature has not landed: it says so and does nothing else. */
export function NotAvailable({ section }: { section: SectionId }) {
  const s = SECTIONS.find((x) => x.id === section)!;
  return (
    <div className="page" data-testid="not-available">
      <PageHeader title={s.label} subtitle={s.summary} />
      <EmptyState icon={<Construction size={28} />} title={`${s.label} is not available yet`}>
        <p>This part of Datanet Studio has not been built yet, so there is nothing here to use.</p>
        <p>What works today: curate datanets (import, review, redact, snapshot) in Datanets, add base models in Models, fine-tune LoRA adapters on snapshots in Train, chat with them in Playground, see which records and contributors made an answer in Attribution, keep keys and sign in Wallet, close reward epochs and claim in Rewards, and verify the audit log in Settings.</p>
      </EmptyState>
    </div>
  );
}
