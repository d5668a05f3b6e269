import type { Services } from '../core';
import type { Handlers } from './router';

export function attributionHandlers(s: Services): Pick<Handlers, Extract<keyof Handlers, `attribution.${string}`>> {
  return {
    'attribution.getSettings': () => s.attribution.settings(),
    'attribution.setSettings': (i) => s.attribution.setSettings(i),
    'attribution.getIndex': (i) => s.attribution.indexStatus(i.adapterId),
    'attribution.buildIndex': (i) => ({ jobId: s.attribution.buildIndex(i.adapterId).id }),
    'attribution.attribute': (i) => ({ jobId: s.attribution.attribute(i).id }),
    'attribution.listReceipts': (i) => s.attribution.listReceipts(i),
    'attribution.getReceipt': (i) => s.attribution.getReceipt(i.digest),
    'attribution.exportReceipt': (i) => s.attribution.exportReceipt(i.digest, i.path),
    'attribution.verifyReceipt': (i) => s.attribution.verify(i),
  };
}
