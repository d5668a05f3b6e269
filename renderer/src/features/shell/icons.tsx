import { Box, Coins, Database, FlaskConical, Fingerprint, Lightbulb, MessagesSquare, Settings, Wallet, type LucideIcon } from 'lucide-react';
import type { SectionId } from '../../../../electron/shared/app';

export const SECTION_ICONS: Record<SectionId, LucideIcon> = {
  datanets: Database,
  models: Box,
  train: FlaskConical,
  playground: MessagesSquare,
  attribution: Fingerprint,
  rewards: Coins,
  wallet: Wallet,
  proposals: Lightbulb,
  settings: Settings,
};
