import { create } from 'zustand';
import { SECTIONS, type SectionId } from '../../../electron/shared/app';

export interface Route {
  section: SectionId;
  /** The datanet open in the Datanets section, if any. */
  datanetId?: string;
}

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const section = SECTIONS.find((s) => s.id === parts[0])?.id ?? 'datanets';
  return section === 'datanets' && parts[1] ? { section, datanetId: parts[1] } : { section };
}

export const hashOf = (r: Route) => `#/${r.section}${r.datanetId ? `/${r.datanetId}` : ''}`;

interface RouteState {
  route: Route;
  go(route: Route): void;
}

export const useRoute = create<RouteState>((set) => ({
  route: parseHash(window.location.hash),
  go(route) {
    if (window.location.hash !== hashOf(route)) window.location.hash = hashOf(route);
    set({ route });
  },
}));

window.addEventListener('hashchange', () => useRoute.setState({ route: parseHash(window.location.hash) }));
