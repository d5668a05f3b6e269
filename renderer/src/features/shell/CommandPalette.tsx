import { Command } from 'cmdk';
import { useEffect } from 'react';
import { useApp } from '../../store/app';
import { useDatanets } from '../../store/datanets';
import { useRoute } from '../../store/route';
import { useUi } from '../../store/ui';
import { sectionsFor, useMay } from '../team/access';
import { SECTION_ICONS } from './icons';

/** Ctrl/Cmd-K: every section, every datanet and the main actions, by keyboard. */
export function CommandPalette() {
  const { paletteOpen, setPaletteOpen, theme, setTheme, caller } = useApp();
  const may = useMay();
  const go = useRoute((s) => s.go);
  const datanets = useDatanets((s) => s.datanets);
  const openDialog = useUi((s) => s.openDialog);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setPaletteOpen(!useApp.getState().paletteOpen);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setPaletteOpen]);

  const run = (action: () => void) => {
    setPaletteOpen(false);
    action();
  };

  return (
    <Command.Dialog open={paletteOpen} onOpenChange={setPaletteOpen} label="Command palette" className="palette" overlayClassName="dialog-overlay">
      <Command.Input placeholder="Type a command or a datanet name…" className="palette-input" />
      <Command.List className="palette-list">
        <Command.Empty className="palette-empty">Nothing matches.</Command.Empty>
        <Command.Group heading="Actions">
          {may('datanets.create') ? (
            <Command.Item onSelect={() => run(() => { go({ section: 'datanets' }); openDialog('createDatanet'); })}>New datanet…</Command.Item>
          ) : null}
          <Command.Item onSelect={() => run(() => setTheme(theme === 'dark' ? 'light' : 'dark'))}>
            Switch to {theme === 'dark' ? 'light' : 'dark'} theme
          </Command.Item>
          {may('audit.verifyChain') ? <Command.Item onSelect={() => run(() => go({ section: 'settings' }))}>Verify audit log…</Command.Item> : null}
        </Command.Group>
        <Command.Group heading="Go to">
          {sectionsFor(caller).map((s) => {
            const Icon = SECTION_ICONS[s.id];
            return (
              <Command.Item key={s.id} value={`go ${s.label}`} onSelect={() => run(() => go({ section: s.id }))}>
                <Icon size={14} aria-hidden /> {s.label}
                {s.available ? null : <span className="soon">soon</span>}
              </Command.Item>
            );
          })}
        </Command.Group>
        {datanets.length ? (
          <Command.Group heading="Datanets">
            {datanets.map((d) => (
              <Command.Item key={d.id} value={`datanet ${d.name} ${d.id}`} onSelect={() => run(() => go({ section: 'datanets', datanetId: d.id }))}>
                {d.name} <span className="muted">{d.recordCount} records</span>
              </Command.Item>
            ))}
          </Command.Group>
        ) : null}
      </Command.List>
    </Command.Dialog>
  );
}
