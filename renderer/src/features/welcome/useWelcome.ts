import { create } from 'zustand';
import { useDatanets } from '../../store/datanets';
import { useRoute } from '../../store/route';

const DISMISSED_KEY = 'datanet-studio-welcome-dismissed';

export const useWelcomeDismissed = create<{ dismissed: boolean; dismiss(): void }>((set) => ({
  dismissed: localStorage.getItem(DISMISSED_KEY) === '1',
  dismiss() {
    localStorage.setItem(DISMISSED_KEY, '1');
    set({ dismissed: true });
  },
}));

/** The welcome stands above the Datanets list while the workspace has no datanet, until it is hidden. */
export function useShowWelcome(): boolean {
  const { datanets, loaded } = useDatanets();
  const route = useRoute((s) => s.route);
  const dismissed = useWelcomeDismissed((s) => s.dismissed);
  return loaded && datanets.length === 0 && route.section === 'datanets' && !route.datanetId && !dismissed;
}
