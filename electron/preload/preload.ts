// The renderer's only door into the app: window.datanetStudio.call / .on (see bridge.ts).
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge, type IpcRendererLike } from './bridge';

contextBridge.exposeInMainWorld('datanetStudio', createBridge(ipcRenderer as unknown as IpcRendererLike));
