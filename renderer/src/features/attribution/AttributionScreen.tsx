import { Tabs } from 'radix-ui';
import { useEffect, useState } from 'react';
import type { Adapter } from '../../../../electron/shared/training';
import { client } from '../../api';
import { PageHeader } from '../../components/ui';
import { connectAttributionStore } from '../../store/attribution';
import { IndexesPanel } from './IndexesPanel';
import { ReceiptsPanel } from './ReceiptsPanel';
import { SettingsPanel } from './SettingsPanel';
import { VerifyPanel } from './VerifyPanel';

/** Receipts of attributed answers, verifying any receipt, the span indexes, and attribution settings. */
export function AttributionScreen() {
  const [tab, setTab] = useState('receipts');
  const [adapters, setAdapters] = useState<Adapter[]>([]);

  useEffect(() => {
    void client?.call('training.listAdapters', {}).then((r) => setAdapters(r.items));
    return connectAttributionStore();
  }, []);

  return (
    <div className="page page-split">
      <PageHeader title="Attribution" subtitle="Which records and contributors made each answer, with a receipt that holds hashes and weights only." />
      <Tabs.Root value={tab} onValueChange={setTab} className="tabs">
        <Tabs.List className="tab-list" aria-label="Attribution views">
          <Tabs.Trigger value="receipts">Receipts</Tabs.Trigger>
          <Tabs.Trigger value="verify">Verify</Tabs.Trigger>
          <Tabs.Trigger value="indexes">Indexes</Tabs.Trigger>
          <Tabs.Trigger value="settings">Settings</Tabs.Trigger>
        </Tabs.List>
        <Tabs.Content value="receipts" className="tab-panel">
          <ReceiptsPanel adapters={adapters} />
        </Tabs.Content>
        <Tabs.Content value="verify" className="tab-panel">
          <VerifyPanel />
        </Tabs.Content>
        <Tabs.Content value="indexes" className="tab-panel">
          <IndexesPanel adapters={adapters} />
        </Tabs.Content>
        <Tabs.Content value="settings" className="tab-panel">
          <SettingsPanel />
        </Tabs.Content>
      </Tabs.Root>
    </div>
  );
}
