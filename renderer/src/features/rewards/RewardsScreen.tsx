import { Tabs } from 'radix-ui';
import { useEffect, useState } from 'react';
import { PageHeader } from '../../components/ui';
import { connectChainStore } from '../../store/chain';
import { connectRewardsStore } from '../../store/rewards';
import { ChainNotice, NetworkPanel } from '../network/NetworkPanel';
import { EpochsPanel } from './EpochsPanel';
import { MyRewardsPanel } from './MyRewardsPanel';

/** Reward epochs over attribution receipts, each account's rewards and claims, and the network they live on. */
export function RewardsScreen() {
  const [tab, setTab] = useState('epochs');
  useEffect(() => {
    const offs = [connectChainStore(), connectRewardsStore()];
    return () => offs.forEach((off) => off());
  }, []);
  return (
    <div className="page">
      <PageHeader title="Rewards" subtitle="Close reward epochs over attribution receipts, publish their roots, and claim contributor rewards." />
      <ChainNotice />
      <Tabs.Root value={tab} onValueChange={setTab} className="tabs">
        <Tabs.List className="tab-list" aria-label="Rewards views">
          <Tabs.Trigger value="epochs">Epochs</Tabs.Trigger>
          <Tabs.Trigger value="mine">My rewards</Tabs.Trigger>
          <Tabs.Trigger value="network">Network</Tabs.Trigger>
        </Tabs.List>
        <Tabs.Content value="epochs" className="tab-panel">
          <EpochsPanel />
        </Tabs.Content>
        <Tabs.Content value="mine" className="tab-panel">
          <MyRewardsPanel />
        </Tabs.Content>
        <Tabs.Content value="network" className="tab-panel">
          <NetworkPanel />
        </Tabs.Content>
      </Tabs.Root>
    </div>
  );
}
