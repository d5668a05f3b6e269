import { useEffect } from 'react';
import { Toaster } from 'sonner';
import { SECTIONS } from '../../electron/shared/app';
import { client } from './api';
import { connectAppStore, useApp } from './store/app';
import { connectDatanetsStore, useDatanets } from './store/datanets';
import { useRoute } from './store/route';
import { useUi } from './store/ui';
import { CommandPalette } from './features/shell/CommandPalette';
import { Sidebar } from './features/shell/Sidebar';
import { StatusBar } from './features/shell/StatusBar';
import { DatanetsScreen } from './features/datanets/DatanetsScreen';
import { CreateDatanetDialog } from './features/datanets/DatanetDialogs';
import { SettingsScreen } from './features/settings/SettingsScreen';
import { TrainScreen } from './features/train/TrainScreen';
import { ModelsScreen } from './features/models/ModelsScreen';
import { PlaygroundScreen } from './features/playground/PlaygroundScreen';
import { AttributionScreen } from './features/attribution/AttributionScreen';
import { WalletScreen } from './features/wallet/WalletScreen';
import { RewardsScreen } from './features/rewards/RewardsScreen';
import { ProposalsScreen } from './features/proposals/ProposalsScreen';
import { ConfirmRequestDialog } from './features/wallet/ConfirmRequestDialog';
import { mayUse, sectionsFor } from './features/team/access';
import { connectWalletStore } from './store/wallet';
import { connectVaultStore, useVault } from './store/vault';
import { UnlockScreen } from './features/vault/UnlockScreen';
import { NotAvailable } from './features/unavailable/NotAvailable';
import { WelcomeScreen } from './features/welcome/WelcomeScreen';
import { useShowWelcome } from './features/welcome/useWelcome';

function NoConnection() {
  return (
    <div className="no-token">
      <h1>Datanet Studio</h1>
      <p>This page needs the address that was printed when the app started — it carries a one-time access key.</p>
      <p>
        Start the app with <code>npm start</code> (or <code>npm run serve</code>) and open the <strong>open:</strong> address it prints.
      </p>
    </div>
  );
}

export function App() {
  const theme = useApp((s) => s.theme);
  const vault = useVault((s) => s.status);
  const generation = useVault((s) => s.generation);
  const callerKnown = useApp((s) => s.caller !== undefined);
  useEffect(() => connectVaultStore(), []);
  const unlocked = vault !== null && !vault.locked;
  // Who is signed in decides what the shell connects to and shows; it can be asked once unlocked.
  useEffect(() => {
    if (unlocked) void useApp.getState().loadCaller();
  }, [unlocked]);

  if (!client) return <NoConnection />;
  const opening = <p className="no-token muted" role="status">Opening the workspace…</p>;
  // Nothing of the workspace can load until the lock state is known; a locked one shows only the unlock form.
  if (!vault) return opening;
  if (vault.locked) {
    return (
      <>
        <UnlockScreen />
        <Toaster theme={theme} position="bottom-right" offset={40} />
      </>
    );
  }
  if (!callerKnown) return opening;
  // A new generation after each unlock: every screen mounts afresh and loads what it could not read while locked.
  return <Shell key={generation} />;
}

function Shell() {
  const caller = useApp((s) => s.caller);
  const allowed = sectionsFor(caller);
  const asked = useRoute((s) => s.route);
  // A team user sent to a section their role cannot use (an old link) lands on the first they can.
  const route = allowed.some((s) => s.id === asked.section) ? asked : { section: allowed[0]!.id };
  const theme = useApp((s) => s.theme);
  const { dialog, openDialog } = useUi();
  const showWelcome = useShowWelcome();

  useEffect(() => {
    const offApp = connectAppStore();
    const offDatanets = connectDatanetsStore();
    // Signing requests reach whoever may decide them; a team reviewer or contributor cannot.
    const offWallet = mayUse(useApp.getState().caller, 'wallet.status') ? connectWalletStore() : () => {};
    void useDatanets.getState().loadDatanets();
    return () => {
      offApp();
      offDatanets();
      offWallet();
    };
  }, []);

  const section = SECTIONS.find((s) => s.id === route.section)!;
  return (
    <div className="shell">
      <Sidebar />
      <main className="main" id="main">
        {route.section === 'datanets' ? (
          <>
            {showWelcome ? <WelcomeScreen /> : null}
            <DatanetsScreen />
          </>
        ) : route.section === 'models' ? (
          <ModelsScreen />
        ) : route.section === 'playground' ? (
          <PlaygroundScreen />
        ) : route.section === 'attribution' ? (
          <AttributionScreen />
        ) : route.section === 'rewards' ? (
          <RewardsScreen />
        ) : route.section === 'wallet' ? (
          <WalletScreen />
        ) : route.section === 'train' ? (
          <TrainScreen />
        ) : route.section === 'proposals' ? (
          <ProposalsScreen />
        ) : route.section === 'settings' ? (
          <SettingsScreen />
        ) : (
          <NotAvailable section={section.id} />
        )}
      </main>
      <StatusBar />
      <CommandPalette />
      {/* Signing requests can come from any screen (or the API), so their confirmation is global. */}
      {mayUse(caller, 'wallet.approve') ? <ConfirmRequestDialog /> : null}
      {dialog === 'createDatanet' ? <CreateDatanetDialog open onOpenChange={(o) => openDialog(o ? 'createDatanet' : null)} /> : null}
      <Toaster theme={theme} position="bottom-right" offset={40} />
    </div>
  );
}
