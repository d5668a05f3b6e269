import { z } from 'zod';

/**
 * The app's sections in spine order. `available: false` sections are shown as such in the
 * navigation and say plainly that they have not landed yet.
 */
export const SECTIONS = [
  { id: 'datanets', label: 'Datanets', available: true, summary: 'Curate domain datasets on this machine.' },
  { id: 'models', label: 'Models', available: true, summary: 'Add base models (GGUF) and inspect them.' },
  { id: 'train', label: 'Train', available: true, summary: 'Fine-tune a base model with LoRA / QLoRA on a snapshot.' },
  { id: 'playground', label: 'Playground', available: true, summary: 'Chat with a base model and its adapters side by side.' },
  { id: 'attribution', label: 'Attribution', available: true, summary: 'See which records and contributors made an answer.' },
  { id: 'rewards', label: 'Rewards', available: true, summary: 'Close reward epochs and claim contributor rewards.' },
  { id: 'wallet', label: 'Wallet', available: true, summary: 'Keys, signatures and the network.' },
  { id: 'proposals', label: 'Proposals', available: true, summary: 'Propose, review and track models through their lifecycle.' },
  { id: 'settings', label: 'Settings', available: true, summary: 'Workspace, appearance and the audit log.' },
] as const;
export type SectionId = (typeof SECTIONS)[number]['id'];

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  workspace: z.string(),
  schemaVersion: z.number().int(),
  host: z.enum(['desktop', 'serve', 'cli', 'test']),
  /**
   * Whether anything has left this machine in this session, and for what: `label` is the short
   * reason the status bar shows, `description` the whole story.
   */
  network: z.object({ outbound: z.boolean(), label: z.string(), description: z.string() }),
  /** What this process holds in memory now: base models with their adapters, and generations running. */
  memory: z.object({
    models: z.array(z.object({ name: z.string(), path: z.string(), sizeBytes: z.number(), adapters: z.array(z.string()) })),
    activeGenerations: z.number().int(),
  }),
  /** How person names are found in PII scans: heuristics only unless a local NER model is installed. */
  nameDetection: z.object({ mode: z.enum(['heuristic', 'model', 'off']), note: z.string() }),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const appMethods = {
  'app.getInfo': { input: z.object({}).strict(), output: AppInfo },
} as const;
