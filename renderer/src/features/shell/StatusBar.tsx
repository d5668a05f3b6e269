import { Cpu, Globe, HardDrive, Loader, LogOut, UserRound, WifiOff } from 'lucide-react';
import type { AppInfo } from '../../../../electron/shared/app';
import type { Job } from '../../../../electron/shared/jobs';
import { signOut } from '../team/session';
import { useApp } from '../../store/app';
import { Kbd } from '../../components/ui';

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;

/** "SmolLM2 + 2 adapters · 140 MiB", and what is generating: what this app really holds in memory. */
function memoryLabel(memory: AppInfo['memory'] | undefined): { text: string; title: string } {
  if (!memory || memory.models.length === 0) return { text: 'no model loaded', title: 'No model is in memory: one loads when you chat, evaluate or call the API.' };
  const adapters = memory.models.reduce((n, m) => n + m.adapters.length, 0);
  const bytes = memory.models.reduce((n, m) => n + m.sizeBytes, 0);
  const names = memory.models.map((m) => m.name).join(', ');
  const text = `${names}${adapters ? ` + ${adapters} adapter${adapters > 1 ? 's' : ''}` : ''} · ${mib(bytes)}${memory.activeGenerations ? ' · generating' : ''}`;
  const title = memory.models.map((m) => `${m.name} (${mib(m.sizeBytes)}): ${m.path}${m.adapters.length ? `\n  adapters: ${m.adapters.join(', ')}` : ''}`).join('\n');
  return { text, title };
}

const jobLine = (j: Job) =>
  `${j.title}${j.progress.total ? `: ${Math.floor((100 * j.progress.done) / j.progress.total)}%` : ''}${j.progress.message ? ` — ${j.progress.message}` : ''}`;

/** Workspace, model in memory, running jobs and the network: always visible. */
export function StatusBar() {
  const { info, caller, connected, jobs, setPaletteOpen } = useApp();
  const running = Object.values(jobs).filter((j) => j.state === 'running');
  // Work the workspace does by itself when it opens (undoing an import a killed process left) is named, not just counted.
  const recovering = running.find((j) => j.kind === 'datanets.undoImport');
  const memory = memoryLabel(info?.memory);
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span className="status-item" title={info?.workspace}>
        <HardDrive size={13} aria-hidden /> {info ? info.workspace : 'connecting…'}
      </span>
      <span className="status-item" data-testid="statusbar-memory" title={memory.title}>
        <Cpu size={13} aria-hidden /> {memory.text}
      </span>
      <span className="status-item" data-testid="jobs-indicator" title={running.map(jobLine).join('\n')}>
        <Loader size={13} aria-hidden className={running.length ? 'spin' : ''} />
        {recovering ? jobLine(recovering) : running.length ? `${running.length} job${running.length > 1 ? 's' : ''} running` : 'no jobs running'}
      </span>
      <span className="status-spacer" />
      {!connected ? <span className="status-item status-warn">disconnected — reconnecting…</span> : null}
      <span className="status-item" data-testid="statusbar-network" title={info?.network.description}>
        {info?.network.outbound ? <Globe size={13} aria-hidden /> : <WifiOff size={13} aria-hidden />} {info?.network.label ?? 'Offline'}
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
