import type { z } from 'zod';
import { appMethods } from './app';
import { auditMethods } from './audit';
import { backupMethods } from './backup';
import { curationMethods } from './curation';
import { datanetEvents, datanetMethods } from './datanets';
import { jobEvents, jobMethods } from './jobs';
import { trainingMethods } from './training';
import { modelMethods } from './models';
import { inferenceMethods } from './inference';
import { servingMethods } from './serving';
import { conversationMethods } from './conversations';
import { attributionMethods } from './attribution';
import { walletEvents, walletMethods } from './wallet';
import { chainMethods } from './chain';
import { rewardsMethods } from './rewards';
import { demoMethods } from './demo';
import { lineageMethods } from './lineage';
import { proposalMethods } from './proposals';
import { vaultEvents, vaultMethods } from './vault';
import { teamMethods } from './team';

/** The whole contract: method name → input/output schemas. Every host and client uses this map. */
export const methods = {
  ...appMethods,
  ...datanetMethods,
  ...curationMethods,
  ...jobMethods,
  ...modelMethods,
  ...trainingMethods,
  ...inferenceMethods,
  ...servingMethods,
  ...conversationMethods,
  ...attributionMethods,
  ...walletMethods,
  ...chainMethods,
  ...rewardsMethods,
  ...auditMethods,
  ...backupMethods,
  ...demoMethods,
  ...lineageMethods,
  ...proposalMethods,
  ...vaultMethods,
  ...teamMethods,
} as const;

export const events = {
  ...datanetEvents,
  ...jobEvents,
  ...walletEvents,
  ...vaultEvents,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
/** What a caller may pass (defaults not yet applied). */
export type Input<M extends MethodName> = z.input<Methods[M]['input']>;
/** What a handler receives (after parsing: defaults applied). */
export type ParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type Output<M extends MethodName> = z.output<Methods[M]['output']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export const METHOD_NAMES = Object.keys(methods) as MethodName[];
export const EVENT_NAMES = Object.keys(events) as EventName[];

export const isMethodName = (name: unknown): name is MethodName =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
export const isEventName = (name: unknown): name is EventName =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
