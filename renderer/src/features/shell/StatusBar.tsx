import { Cpu, HardDrive, Loader, LogOut, UserRound, WifiOff } from 'lucide-react';
import { signOut } from '../team/session';
import { useApp } from '../../store/app';
import { Kbd } from '../../components/ui';

/** Workspace, model in memory, running jobs and the network: always visible. */
export function StatusBar() {
  const { info, caller, connected, jobs, setPaletteOpen } = useApp();
  const running = Object.values(jobs).filter((j) => j.state === 'running');
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span className="status-item" title={info?.workspace}>
        <HardDrive size={13} aria-hidden /> {info ? info.workspace : 'connecting…'}
      </span>
      <span className="status-item">
        <Cpu size={13} aria-hidden /> {info?.modelInMemory ?? 'no model in memory'}
      </span>
      <span className="status-item" data-testid="jobs-indicator">
        <Loader size={13} aria-hidden className={running.length ? 'spin' : ''} />
        {running.length ? `${running.length} job${running.length > 1 ? 's' : ''} running` : 'no jobs running'}
      </span>
      <span className="status-spacer" />
      {!connected ? <span className="status-item status-warn">disconnected — reconnecting…</span> : null}
      <span className="status-item" title={info?.network.description}>
        <WifiOff size={13} aria-hidden /> {info?.network.outbound ? 'Online features on' : 'Offline'}
      </span>
      {caller ? (
        <>
          <span className="status-item" data-testid="signed-in-as">
            <UserRound size={13} aria-hidden /> {caller.name} · {caller.role}
          </span>
          <button type="button" className="status-item status-btn" onClick={() => void signOut()}>
            <LogOut size={13} aria-hidden /> Sign out
          </button>
        </>
      ) : null}
      <button type="button" className="status-item status-btn" onClick={() => setPaletteOpen(true)}>
        Commands <Kbd>Ctrl K</Kbd>
      </button>
    </footer>
  );
}
