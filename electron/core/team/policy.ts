import { isMethodName, type EventName, type MethodName } from '../../shared/contract';
import type { Envelope } from '../../shared/errors';
import type { TeamRole } from '../../shared/team';
import type { Caller } from './context';

/**
 * Who may call what in a team session of serve. Every method of the contract has an entry (the
 * type demands it, and a test checks it at run time), so a new method cannot be forgotten: it
 * must be given roles, and "owner" alone is the default to reach for.
 *
 * Reviewers read, and decide on records (review, redaction); they cannot delete or rename
 * datanets, touch files on the server, or reach the wallet, chain, rewards, vault, backups or
 * settings. Contributors see the datanets and only their own records, and add records as themselves.
 */
const O: readonly TeamRole[] = ['owner'];
const R: readonly TeamRole[] = ['owner', 'reviewer'];
const C: readonly TeamRole[] = ['owner', 'reviewer', 'contributor'];

export const METHOD_POLICY: Record<MethodName, readonly TeamRole[]> = {
  'app.getInfo': C,
  'datanets.create': O,
  'datanets.list': C,
  'datanets.get': C,
  'datanets.rename': O,
  'datanets.delete': O,
  'datanets.addRecord': C,
  'datanets.listRecords': C,
  'datanets.getRecord': C,
  'datanets.previewFile': O,
  'datanets.importFile': O,
  'datanets.listImports': R,
  'datanets.review': R,
  'datanets.redact': R,
  'datanets.createSnapshot': O,
  'datanets.listSnapshots': R,
  'datanets.getProof': R,
  'datanets.verifyProof': R,
  'datanets.exportSnapshot': O,
  'jobs.list': R,
  'jobs.get': R,
  'jobs.cancel': O,
  'models.catalog': R,
  'models.import': O,
  'models.download': O,
  'models.list': R,
  'models.get': R,
  'models.delete': O,
  'training.start': O,
  'training.resume': O,
  'training.listRuns': R,
  'training.listAdapters': R,
  'training.exportJob': O,
  'training.importPeftAdapter': O,
  'inference.chat': O,
  'inference.evaluate': O,
  'serving.start': O,
  'serving.stop': O,
  'serving.status': R,
  'serving.usage': R,
  'conversations.list': O,
  'conversations.save': O,
  'conversations.delete': O,
  'attribution.getSettings': R,
  'attribution.setSettings': O,
  'attribution.getIndex': R,
  'attribution.buildIndex': O,
  'attribution.attribute': O,
  'attribution.listReceipts': R,
  'attribution.getReceipt': R,
  'attribution.exportReceipt': O,
  'attribution.verifyReceipt': R,
  'wallet.status': O,
  'wallet.listAccounts': O,
  'wallet.beginCreate': O,
  'wallet.confirmCreate': O,
  'wallet.cancelCreate': O,
  'wallet.import': O,
  'wallet.addAccount': O,
  'wallet.unlock': O,
  'wallet.lock': O,
  'wallet.setAutoLock': O,
  'wallet.requestTypedData': O,
  'wallet.listRequests': O,
  'wallet.approve': O,
  'wallet.reject': O,
  'chain.status': O,
  'chain.listNetworks': O,
  'chain.addNetwork': O,
  'chain.selectNetwork': O,
  'chain.startDevnet': O,
  'chain.stopDevnet': O,
  'chain.balances': O,
  'chain.activity': O,
  'chain.publishSnapshot': O,
  'chain.registerAdapter': O,
  'chain.deployContracts': O,
  'chain.useDeployment': O,
  'chain.publications': O,
  'rewards.listEpochs': O,
  'rewards.pending': O,
  'rewards.closeEpoch': O,
  'rewards.publishEpoch': O,
  'rewards.claims': O,
  'rewards.claim': O,
  'rewards.exportClaim': O,
  'rewards.signClaim': O,
  'rewards.submitClaim': O,
  'audit.listEntries': R,
  'audit.verifyChain': R,
  'audit.export': O,
  'audit.verifyExport': O,
  'backup.create': O,
  'backup.verify': O,
  'demo.run': O,
  'demo.lastReport': O,
  'lineage.get': R,
  'consent.revoke': O,
  'consent.list': R,
  'consent.markedAdapters': R,
  'consent.retrain': O,
  'consent.publish': O,
  'consent.getSettings': R,
  'consent.setSettings': O,
  'proposals.list': R,
  'proposals.get': R,
  'proposals.create': O,
  'proposals.submit': O,
  'proposals.submitOnChain': O,
  'proposals.voteOnChain': O,
  'proposals.syncChain': R,
  // The vote names any reviewer address, so only the owner may record one.
  'proposals.vote': O,
  'proposals.transition': O,
  'proposals.attachTuning': O,
  'proposals.startTuning': O,
  'proposals.feedback': O,
  'proposals.reviewers': R,
  'proposals.setReviewers': O,
  // Every page asks whether the workspace is locked; the answer holds no data.
  'vault.status': C,
  'vault.unlock': O,
  'vault.lock': O,
  'vault.enable': O,
  'vault.changePassphrase': O,
  'vault.setIdleLock': O,
  'vault.setKeyring': O,
};

export const mayCall = (role: TeamRole, method: MethodName): boolean => METHOD_POLICY[method].includes(role);

type Checked = { ok: true; input: unknown } | { ok: false; error: Envelope<never> };
const deny = (message: string): Checked => ({ ok: false, error: { ok: false, error: { code: 'UNAUTHORIZED', message } } });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a team caller's call before the router sees it, and narrows a contributor's input to
 * their own records. Names outside the contract pass through: the router answers UNKNOWN_METHOD.
 */
export function authorizeCall(caller: Caller, method: unknown, input: unknown): Checked {
  if (!isMethodName(method)) return { ok: true, input };
  if (!mayCall(caller.role, method)) {
    return deny(`${method} is not allowed for a ${caller.role} (signed in as "${caller.name}"); ask an owner of this team server.`);
  }
  if (caller.role !== 'contributor' || (method !== 'datanets.listRecords' && method !== 'datanets.addRecord')) return { ok: true, input };
  if (!isObject(input)) return { ok: true, input }; // the router rejects it
  const given = input.contributor;
  if (given !== undefined && (typeof given !== 'string' || given.toLowerCase() !== caller.address)) {
    return deny(`a contributor can only ${method === 'datanets.addRecord' ? 'add records as' : 'see the records of'} their own address (${caller.address}).`);
  }
  return { ok: true, input: { ...input, contributor: caller.address } };
}

/** Hides a record of someone else from a contributor who asked for it by id. */
export function filterResult(caller: Caller, method: unknown, result: Envelope<unknown>): Envelope<unknown> {
  if (caller.role !== 'contributor' || method !== 'datanets.getRecord' || !result.ok) return result;
  const record = result.value as { id: string; contributor: string | null };
  if (record.contributor?.toLowerCase() === caller.address) return result;
  return { ok: false, error: { code: 'NOT_FOUND', message: `No record with id ${record.id}.` } };
}

/** Which events a team session receives: contributors only learn that datanets changed. */
export function mayReceive(role: TeamRole, event: EventName): boolean {
  if (role === 'owner') return true;
  if (role === 'reviewer') return event.startsWith('datanets.') || event.startsWith('jobs.');
  return event === 'datanets.changed';
}
