// The renderer's only door: call(method, input) and on(event, cb), for contract names only.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { isEventName, isMethodName } from '../shared/contract';
import { IPC } from '../shared/transport';

contextBridge.exposeInMainWorld('datanetStudio', {
  call(method: unknown, input: unknown) {
    if (!isMethodName(method)) {
      return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_METHOD', message: `There is no method named ${String(method)}.` } });
    }
    return ipcRenderer.invoke(IPC.call, method, input);
  },
  on(event: unknown, callback: (payload: unknown) => void) {
    if (!isEventName(event)) throw new Error(`There is no event named ${String(event)}.`);
    const listener = (_e: IpcRendererEvent, name: string, payload: unknown) => {
      if (name === event) callback(payload);
    };
    ipcRenderer.on(IPC.event, listener);
    return () => {
      ipcRenderer.off(IPC.event, listener);
    };
  },
});
