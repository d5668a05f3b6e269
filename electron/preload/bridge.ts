import { isEventName, isMethodName } from '../shared/contract';
import type { Envelope } from '../shared/errors';
import { IPC } from '../shared/transport';

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  off(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/** What the page gets as window.datanetStudio: call and on, for contract names only. */
export function createBridge(ipc: IpcRendererLike) {
  return {
    call(method: unknown, input: unknown): Promise<Envelope<unknown>> {
      if (!isMethodName(method)) {
        return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_METHOD', message: `There is no method named ${String(method)}.` } });
      }
      return ipc.invoke(IPC.call, method, input) as Promise<Envelope<unknown>>;
    },
    on(event: unknown, callback: (payload: unknown) => void): () => void {
      if (!isEventName(event)) throw new Error(`There is no event named ${String(event)}.`);
      const listener = (_e: unknown, name: unknown, payload: unknown) => {
        if (name === event) callback(payload);
      };
      ipc.on(IPC.event, listener as (event: unknown, ...args: unknown[]) => void);
      return () => {
        ipc.off(IPC.event, listener as (event: unknown, ...args: unknown[]) => void);
      };
    },
  };
}
