import { create } from 'zustand';

/** Dialogs that can be opened from anywhere (the command palette, keyboard shortcuts). */
export type GlobalDialog = 'createDatanet' | null;

export const useUi = create<{ dialog: GlobalDialog; openDialog(d: GlobalDialog): void }>((set) => ({
  dialog: null,
  openDialog: (dialog) => set({ dialog }),
}));
