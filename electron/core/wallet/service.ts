import { randomBytes, randomInt } from 'node:crypto';
import { inspect } from 'node:util';
import {
  HDNodeWallet,
  Mnemonic,
  Wallet,
  decryptKeystoreJson,
  encryptKeystoreJson,
  getAddress,
  isError,
  type BaseWallet,
  type Provider,
  type TypedDataDomain,
} from 'ethers';
import { AppError } from '../../shared/errors';
import type {
  ApprovalResult,
  SigningRequest,
  TransactionSummary,
  WalletAccount,
  WalletEventName,
  WalletEventPayload,
  WalletStatus,
} from '../../shared/wallet';
import { nowIso } from '../common/ids';
import { checkKeystoreKdf } from './keystore-limits';
import { chainIdOf, checkSummary } from './transaction-check';
import { useNativeScrypt } from './native-scrypt';
import { failureReason, parseMnemonic, parsePrivateKey } from './secrets';
import { WalletStore, type WalletIndex, type WalletSource } from './store';
import { summarizeTypedData, type TypedDataRequest, type TypedDataTypes } from './typed-data';

/** ethers' default and the keystore v3 norm: about a second per unlock on a laptop. */
export const DEFAULT_SCRYPT_N = 2 ** 17;
/** BIP-44 Ethereum accounts: m/44'/60'/0'/0/i. */
export const HD_BASE_PATH = "m/44'/60'/0'/0";
const CONFIRM_WORDS = 3;
const PENDING_CREATE_TTL_MS = 10 * 60_000;
const REQUEST_TTL_MS = 10 * 60_000;

/** Asked before a request made in code is signed: true approves, false rejects. */
export type ConfirmRequest = (request: SigningRequest) => boolean | Promise<boolean>;
/**
 * Approves without asking anyone. Only for the CLI's explicit --yes and for tests: everywhere
 * else a request waits for the person at the machine.
 */
export const APPROVE_WITHOUT_ASKING: ConfirmRequest = () => true;

export interface AuditSink {
  append(input: { actor: string; action: string; subject: string; details?: Record<string, unknown> }): unknown;
}

export interface WalletServiceOptions {
  /** The workspace's wallet/ folder. */
  dir: string;
  /**
   * scrypt cost for keystores this wallet writes. Defaults to 2^17; a lower value is for tests
   * only, where hundreds of encryptions would otherwise take minutes.
   */
  scryptN?: number;
  /** Idle time before auto-lock in ms, overriding the saved minutes (tests). */
  autoLockMs?: number;
  requestTtlMs?: number;
  pendingCreateTtlMs?: number;
  /** The network to broadcast an approved transaction on, when its request did not bring one. */
  providerFor?: (chainId: number) => Provider | null | Promise<Provider | null>;
  onEvent?: <E extends WalletEventName>(name: E, payload: WalletEventPayload<E>) => void;
  /** Every creation, import, signature and broadcast becomes an audit entry (without secrets). */
  audit?: AuditSink;
  actor?: string;
}

/** A transaction the chain module has encoded; summary is its ABI-decoded description. */
export interface TransactionRequestInput {
  account: string;
  chainId: number;
  /** `to` is null for a contract creation. */
  tx: { to: string | null; data: string; value?: bigint | string };
  summary: TransactionSummary;
  origin?: string;
  /** Used to broadcast on approval; its chain id must equal chainId. */
  provider?: Provider;
}

/**
 * What the chain module sends through (core/chain's TxSender): every transaction becomes a request
 * and waits for approval; send resolves with the hash once it is broadcast.
 */
export interface TxSender {
  readonly address: string;
  send(tx: { chainId: number; to: string | null; data: string; value?: bigint; summary: TransactionSummary }): Promise<string>;
}

interface Unlocked {
  /** lower-case address → signer */
  signers: Map<string, BaseWallet>;
  /** phrase source id → its m/44'/60'/0'/0 node */
  hdBases: Map<string, HDNodeWallet>;
}

interface PendingCreate {
  mnemonic: Mnemonic;
  positions: number[];
  timer: NodeJS.Timeout;
}

interface RequestRecord {
  view: SigningRequest;
  typed?: { domain: TypedDataDomain; types: TypedDataTypes; message: Record<string, unknown>; digest: string };
  tx?: { to: string | null; data: string; value: bigint };
  provider?: Provider;
  timer: NodeJS.Timeout;
  busy: boolean;
  waiters: Array<{ resolve: (r: ApprovalResult) => void; reject: (e: unknown) => void }>;
}

const hexId = (prefix: 'wsrc' | 'wreq' | 'wnew') => `${prefix}_${randomBytes(8).toString('hex')}`;
const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();

/**
 * The wallet: keystore v3 files at rest, decrypted signers only in this process's memory while
 * unlocked, and every signature or transaction behind an explicit approval of a decoded request.
 * Secrets live in private fields, so neither JSON.stringify nor util.inspect can reach them, and
 * no error, event, audit entry or return value carries one (except beginCreate's phrase, once).
 */
export class WalletService {
  readonly #store: WalletStore;
  readonly #opts: WalletServiceOptions;
  readonly #scryptN: number;
  #unlocked: Unlocked | null = null;
  #lockTimer: NodeJS.Timeout | null = null;
  #locksAt: string | null = null;
  /** Bumped by every lock, so work that began while unlocked cannot reopen a wallet locked meanwhile. */
  #lockGeneration = 0;
  readonly #pendingCreates = new Map<string, PendingCreate>();
  readonly #requests = new Map<string, RequestRecord>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: WalletServiceOptions) {
    this.#opts = options;
    this.#store = new WalletStore(options.dir);
    this.#scryptN = options.scryptN ?? DEFAULT_SCRYPT_N;
    useNativeScrypt();
  }

  // ---- state ----

  status(): WalletStatus {
    const index = this.#store.readIndex();
    return {
      exists: index.sources.length > 0,
      locked: this.#unlocked === null,
      accounts: index.accounts.length,
      autoLockMinutes: index.autoLockMinutes,
      locksAt: this.#unlocked ? this.#locksAt : null,
    };
  }

  listAccounts(): WalletAccount[] {
    return this.#store.readIndex().accounts;
  }

  async unlock(input: { password: string }): Promise<WalletStatus> {
    return this.#serial(async () => {
      const index = this.#store.readIndex();
      if (index.sources.length === 0) throw new AppError('NOT_FOUND', 'There is no wallet yet: create or import one first.');
      const generation = this.#lockGeneration;
      const unlocked = await this.#decryptAll(index, input.password);
      if (generation !== this.#lockGeneration) throw new AppError('CANCELLED', 'The wallet was locked while it was being unlocked; unlock it again.');
      this.#unlocked = unlocked;
      this.#touch(index);
      this.#emit('wallet.changed', { change: 'unlocked' });
      return this.status();
    });
  }

  lock(): WalletStatus {
    this.#lockNow('locked');
    return this.status();
  }

  setAutoLock(input: { minutes: number }): Promise<WalletStatus> {
    return this.#serial(async () => {
      const index = this.#store.readIndex();
      index.autoLockMinutes = input.minutes;
      this.#store.writeIndex(index);
      if (this.#unlocked) this.#touch(index);
      this.#emit('wallet.changed', { change: 'settings' });
      return this.status();
    });
  }

  /** Locks, cancels timers and forgets pending phrases: for closing the workspace. */
  close(): void {
    this.#lockNow('locked');
    for (const p of this.#pendingCreates.values()) clearTimeout(p.timer);
    this.#pendingCreates.clear();
    for (const id of [...this.#requests.keys()]) this.#finish(id, 'rejected', 'the workspace was closed');
  }

  // ---- create and import ----

  beginCreate(): { pendingId: string; mnemonic: string; confirmPositions: number[]; expiresAt: string } {
    const mnemonic = Mnemonic.fromEntropy(randomBytes(16));
    const words = mnemonic.phrase.split(' ').length;
    const positions = new Set<number>();
    while (positions.size < CONFIRM_WORDS) positions.add(randomInt(1, words + 1));
    const pendingId = hexId('wnew');
    const ttl = this.#opts.pendingCreateTtlMs ?? PENDING_CREATE_TTL_MS;
    const timer = setTimeout(() => this.#pendingCreates.delete(pendingId), ttl);
    timer.unref();
    const confirmPositions = [...positions].sort((a, b) => a - b);
    this.#pendingCreates.set(pendingId, { mnemonic, positions: confirmPositions, timer });
    return { pendingId, mnemonic: mnemonic.phrase, confirmPositions, expiresAt: isoIn(ttl) };
  }

  cancelCreate(input: { pendingId: string }): { cancelled: boolean } {
    const pending = this.#pendingCreates.get(input.pendingId);
    if (!pending) return { cancelled: false };
    clearTimeout(pending.timer);
    this.#pendingCreates.delete(input.pendingId);
    return { cancelled: true };
  }

  async confirmCreate(input: { pendingId: string; words: Array<{ position: number; word: string }>; password: string; label?: string }): Promise<WalletAccount> {
    return this.#serial(async () => {
      const pending = this.#pendingCreates.get(input.pendingId);
      if (!pending) throw new AppError('NOT_FOUND', `pendingId: ${input.pendingId} is unknown or has expired; start again to get a new phrase.`);
      const words = pending.mnemonic.phrase.split(' ');
      const given = new Map(input.words.map((w) => [w.position, w.word.trim().toLowerCase()]));
      for (const position of pending.positions) {
        if (!given.has(position)) throw new AppError('BAD_INPUT', `words: word ${position} is missing; confirm words ${pending.positions.join(', ')}.`);
      }
      for (const [position, word] of given) {
        if (words[position - 1] !== word) throw new AppError('BAD_INPUT', `words: word ${position} does not match the phrase; check what you wrote down.`);
      }
      const index = this.#store.readIndex();
      const generation = this.#lockGeneration;
      const unlocked = await this.#checkPassword(index, input.password);
      const [account] = await this.#addPhraseSource(index, unlocked, pending.mnemonic, input.password, input.label);
      clearTimeout(pending.timer);
      this.#pendingCreates.delete(input.pendingId);
      this.#finishAdd(index, unlocked, generation, 'created', account!);
      return account!;
    });
  }

  async import(
    input:
      | { kind: 'mnemonic'; mnemonic: string; password: string; label?: string }
      | { kind: 'privateKey'; privateKey: string; password: string; label?: string }
      | { kind: 'keystore'; keystoreJson: string; keystorePassword: string; password: string; label?: string },
  ): Promise<{ accounts: WalletAccount[] }> {
    // Parse the secret before the slow password check, so a typo fails at once.
    const secret = await this.#parseImport(input);
    return this.#serial(async () => {
      const index = this.#store.readIndex();
      const generation = this.#lockGeneration;
      const unlocked = await this.#checkPassword(index, input.password);
      const accounts =
        secret.mnemonic !== undefined
          ? await this.#addPhraseSource(index, unlocked, secret.mnemonic, input.password, input.label)
          : await this.#addKeySource(index, unlocked, secret.key!, input.kind, input.password, input.label);
      this.#finishAdd(index, unlocked, generation, 'imported', accounts[0]!);
      return { accounts };
    });
  }

  async addAccount(input: { sourceId?: string; label?: string }): Promise<WalletAccount> {
    return this.#serial(async () => {
      const unlocked = this.#requireUnlocked('add an account');
      const index = this.#store.readIndex();
      const source = input.sourceId
        ? index.sources.find((s) => s.id === input.sourceId)
        : index.sources.find((s) => unlocked.hdBases.has(s.id));
      if (!source) throw new AppError('NOT_FOUND', input.sourceId ? `sourceId: ${input.sourceId} is not in this wallet.` : 'There is no recovery phrase in this wallet to derive accounts from.');
      const base = unlocked.hdBases.get(source.id);
      if (!base) throw new AppError('BAD_INPUT', `sourceId: ${source.id} holds a single key; only a recovery phrase has more accounts.`);
      // An index whose address is already here (imported before as a single key) is skipped.
      let signer = base.deriveChild(source.nextIndex);
      while (index.accounts.some((a) => a.address === signer.address)) signer = base.deriveChild(++source.nextIndex);
      const account = this.#accountRow(index, signer.address, source, source.nextIndex, input.label);
      source.nextIndex += 1;
      index.accounts.push(account);
      this.#store.writeIndex(index);
      unlocked.signers.set(signer.address.toLowerCase(), signer);
      this.#audit('wallet.accountAdded', account.address, { sourceId: source.id, hdPath: account.hdPath });
      this.#emit('wallet.changed', { change: 'accountAdded' });
      return account;
    });
  }

  // ---- signing requests ----

  listRequests(): SigningRequest[] {
    return [...this.#requests.values()].map((r) => r.view);
  }

  requestTypedData(input: TypedDataRequest & { account: string; origin?: string }): SigningRequest {
    const account = this.#knownAccount(input.account);
    const { domain, types, digest, summary } = summarizeTypedData(input);
    return this.#addRequest(
      {
        kind: 'typedData',
        account,
        chainId: summary.domain.chainId,
        contract: summary.domain.verifyingContract,
        origin: input.origin ?? 'wallet.requestTypedData',
        transaction: null,
        typedData: summary,
      },
      { typed: { domain, types, message: input.message, digest } },
    );
  }

  requestTransaction(input: TransactionRequestInput): SigningRequest {
    const account = this.#knownAccount(input.account);
    let to: string | null = null;
    if (input.tx.to !== null) {
      try {
        to = getAddress(input.tx.to);
      } catch {
        throw new AppError('BAD_INPUT', 'tx.to: must be an Ethereum address (or null for a contract creation).');
      }
    }
    if (!/^0x([0-9a-fA-F]{2})*$/.test(input.tx.data)) throw new AppError('BAD_INPUT', 'tx.data: must be 0x-prefixed hex bytes.');
    if (!Number.isSafeInteger(input.chainId) || input.chainId <= 0) throw new AppError('BAD_INPUT', 'chainId: must be a positive integer.');
    let value: bigint;
    try {
      value = BigInt(input.tx.value ?? 0);
    } catch {
      throw new AppError('BAD_INPUT', 'tx.value: must be an amount of wei (a whole number).');
    }
    if (value < 0n) throw new AppError('BAD_INPUT', 'tx.value: must not be negative.');
    const summary = checkSummary({ summary: input.summary, chainId: input.chainId, to, data: input.tx.data, value });
    return this.#addRequest(
      {
        kind: 'transaction',
        account,
        chainId: input.chainId,
        contract: to,
        origin: input.origin ?? 'transaction',
        transaction: { to, data: input.tx.data.toLowerCase(), valueWei: value.toString(), summary },
        typedData: null,
      },
      { tx: { to, data: input.tx.data, value }, provider: input.provider },
    );
  }

  /** Signs (typed data) or signs and broadcasts (transaction) a pending request. */
  async approve(input: { id: string; provider?: Provider }): Promise<ApprovalResult> {
    const record = this.#requests.get(input.id);
    if (!record) throw new AppError('NOT_FOUND', `id: request ${input.id} is unknown, or was already decided or expired.`);
    if (record.busy) throw new AppError('CONFLICT', `id: request ${input.id} is already being approved.`);
    const unlocked = this.#requireUnlocked('approve a request');
    const signer = unlocked.signers.get(record.view.account.toLowerCase());
    if (!signer) throw new AppError('NOT_FOUND', `account: ${record.view.account} has no key in this wallet.`);
    record.busy = true;
    // Approved in time: the expiry no longer applies while it is signed and broadcast.
    clearTimeout(record.timer);
    try {
      let result: ApprovalResult;
      if (record.typed) {
        const { domain, types, message, digest } = record.typed;
        const signature = await signer.signTypedData(domain, types, message);
        result = { id: record.view.id, kind: 'typedData', signature, txHash: null };
        this.#audit('wallet.signedTypedData', record.view.account, {
          requestId: record.view.id,
          origin: record.view.origin,
          primaryType: record.view.typedData?.primaryType,
          chainId: record.view.chainId,
          verifyingContract: record.view.contract,
          digest,
          signature,
        });
      } else {
        const provider = record.provider ?? input.provider ?? (await this.#opts.providerFor?.(record.view.chainId!)) ?? null;
        if (!provider) throw new AppError('NOT_AVAILABLE', `No network is configured for chain ${record.view.chainId}; the transaction was not sent.`);
        const actual = await chainIdOf(provider);
        if (actual !== BigInt(record.view.chainId!)) {
          throw new AppError('CONFLICT', `The connected network is chain ${actual}, but the request is for chain ${record.view.chainId}; refusing to send it there.`);
        }
        const tx = record.tx!;
        const sent = await signer.connect(provider).sendTransaction({ to: tx.to, data: tx.data, value: tx.value, chainId: record.view.chainId! });
        result = { id: record.view.id, kind: 'transaction', signature: null, txHash: sent.hash };
        this.#audit('wallet.sentTransaction', record.view.account, {
          requestId: record.view.id,
          origin: record.view.origin,
          chainId: record.view.chainId,
          to: tx.to,
          valueWei: tx.value.toString(),
          call: `${record.view.transaction?.summary.contract}.${record.view.transaction?.summary.function}`,
          txHash: sent.hash,
        });
      }
      if (this.#unlocked) this.#touch(this.#store.readIndex());
      this.#finish(record.view.id, 'approved', null, result);
      return result;
    } catch (e) {
      const reason = failureReason(e);
      this.#finish(record.view.id, 'failed', reason);
      throw e instanceof AppError ? e : new AppError('INTERNAL', `Signing request ${record.view.id} failed: ${reason}`);
    }
  }

  reject(input: { id: string; reason?: string }): SigningRequest {
    const record = this.#requests.get(input.id);
    if (!record) throw new AppError('NOT_FOUND', `id: request ${input.id} is unknown, or was already decided or expired.`);
    if (record.busy) throw new AppError('CONFLICT', `id: request ${input.id} is being approved and can no longer be rejected.`);
    this.#audit('wallet.rejected', record.view.account, { requestId: record.view.id, origin: record.view.origin, kind: record.view.kind });
    return this.#finish(input.id, 'rejected', input.reason ?? 'rejected by the user');
  }

  /** Resolves when the request is approved; rejects when it is rejected, fails or expires. */
  waitForDecision(id: string): Promise<ApprovalResult> {
    const record = this.#requests.get(id);
    if (!record) return Promise.reject(new AppError('NOT_FOUND', `id: request ${id} is unknown, or was already decided or expired.`));
    // Someone is waiting on it (a CLI command, a job): keep the process alive until it is decided or expires.
    record.timer.ref();
    return new Promise((resolve, reject) => record.waiters.push({ resolve, reject }));
  }

  /**
   * Signs typed data for code inside core (receipts, contributions): a request is made and shown;
   * `confirm` decides it when given (CLI --yes, tests), otherwise the person at the UI does.
   */
  async signTypedData(input: TypedDataRequest & { account: string; origin: string; confirm?: ConfirmRequest }): Promise<string> {
    const request = this.requestTypedData(input);
    const result = await this.#decide(request, input.confirm);
    return result.signature!;
  }

  /** The chain module's way to send: each transaction is a request that must be approved. */
  txSender(input: { account: string; provider: Provider; origin: string; confirm?: ConfirmRequest }): TxSender {
    const address = this.#knownAccount(input.account);
    return {
      address,
      send: async (tx) => {
        const request = this.requestTransaction({
          account: address,
          chainId: tx.chainId,
          tx: { to: tx.to, data: tx.data, value: tx.value },
          summary: tx.summary,
          origin: input.origin,
          provider: input.provider,
        });
        const result = await this.#decide(request, input.confirm);
        return result.txHash!;
      },
    };
  }

  toJSON(): Record<string, unknown> {
    return { wallet: this.#opts.dir, locked: this.#unlocked === null };
  }

  [inspect.custom](): string {
    return `WalletService { dir: ${JSON.stringify(this.#opts.dir)}, locked: ${this.#unlocked === null} }`;
  }

  // ---- internals ----

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #emit<E extends WalletEventName>(name: E, payload: WalletEventPayload<E>): void {
    this.#opts.onEvent?.(name, payload);
  }

  #audit(action: string, subject: string, details: Record<string, unknown>): void {
    this.#opts.audit?.append({ actor: this.#opts.actor ?? 'local', action, subject, details });
  }

  #requireUnlocked(what: string): Unlocked {
    if (!this.#unlocked) throw new AppError('UNAUTHORIZED', `The wallet is locked: unlock it to ${what}.`);
    return this.#unlocked;
  }

  #knownAccount(address: string): string {
    const found = this.#store.readIndex().accounts.find((a) => a.address.toLowerCase() === String(address).toLowerCase());
    if (!found) throw new AppError('NOT_FOUND', `account: ${String(address).slice(0, 42)} is not an account of this wallet.`);
    return found.address;
  }

  /** Restarts the idle countdown; any signature counts as activity. */
  #touch(index: WalletIndex): void {
    if (this.#lockTimer) clearTimeout(this.#lockTimer);
    const ms = this.#opts.autoLockMs ?? index.autoLockMinutes * 60_000;
    this.#lockTimer = setTimeout(() => this.#lockNow('autoLocked'), ms);
    this.#lockTimer.unref();
    this.#locksAt = isoIn(ms);
  }

  /**
   * Drops every reference to decrypted keys. JavaScript cannot overwrite strings in place, so the
   * key material is gone once the garbage collector reclaims it; nothing else holds it.
   */
  #lockNow(change: 'locked' | 'autoLocked'): void {
    this.#lockGeneration += 1;
    if (this.#lockTimer) clearTimeout(this.#lockTimer);
    this.#lockTimer = null;
    this.#locksAt = null;
    const wasUnlocked = this.#unlocked !== null;
    if (this.#unlocked) {
      this.#unlocked.signers.clear();
      this.#unlocked.hdBases.clear();
    }
    this.#unlocked = null;
    if (wasUnlocked) this.#emit('wallet.changed', { change });
  }

  async #decryptSource(index: WalletIndex, source: WalletSource, password: string): Promise<{ signers: BaseWallet[]; hdBase: HDNodeWallet | null }> {
    const json = this.#store.readKeystore(source);
    let account;
    try {
      account = await decryptKeystoreJson(json, password);
    } catch (e) {
      if (isError(e, 'INVALID_ARGUMENT') && e.argument === 'password') throw new AppError('UNAUTHORIZED', 'Wrong wallet password.');
      throw new AppError('STORAGE', `${this.#store.dir}/${source.file}: the keystore cannot be decrypted (${isError(e, 'INVALID_ARGUMENT') ? `bad ${e.argument}` : 'damaged file'}).`);
    }
    const accounts = index.accounts.filter((a) => a.sourceId === source.id);
    const mismatch = () => new AppError('STORAGE', `${this.#store.dir}/${source.file}: the keystore does not hold the keys accounts.json lists for it.`);
    if (source.kind === 'mnemonic' || account.mnemonic) {
      if (!account.mnemonic) throw mismatch();
      const hdBase = HDNodeWallet.fromMnemonic(Mnemonic.fromEntropy(account.mnemonic.entropy), HD_BASE_PATH);
      const signers = accounts.map((a) => {
        const s = hdBase.deriveChild(a.index ?? 0);
        if (s.address !== a.address) throw mismatch();
        return s;
      });
      return { signers, hdBase };
    }
    const signer = new Wallet(account.privateKey);
    if (accounts.some((a) => a.address !== signer.address)) throw mismatch();
    return { signers: [signer], hdBase: null };
  }

  async #decryptAll(index: WalletIndex, password: string): Promise<Unlocked> {
    const unlocked: Unlocked = { signers: new Map(), hdBases: new Map() };
    for (const source of index.sources) {
      const { signers, hdBase } = await this.#decryptSource(index, source, password);
      for (const s of signers) unlocked.signers.set(s.address.toLowerCase(), s);
      if (hdBase) unlocked.hdBases.set(source.id, hdBase);
    }
    return unlocked;
  }

  /**
   * Every keystore of a wallet shares one password. The first one sets it; later additions must
   * give the same, checked by opening what is already there (which also unlocks it).
   */
  async #checkPassword(index: WalletIndex, password: string): Promise<Unlocked> {
    if (index.sources.length === 0) return { signers: new Map(), hdBases: new Map() };
    try {
      if (this.#unlocked) {
        // Already open: one keystore proves the password; no need to pay scrypt for every source.
        await this.#decryptSource(index, index.sources[0]!, password);
        return this.#unlocked;
      }
      return await this.#decryptAll(index, password);
    } catch (e) {
      if (e instanceof AppError && e.code === 'UNAUTHORIZED') {
        throw new AppError('UNAUTHORIZED', 'password: wrong wallet password. Every key in this wallet shares the password you unlock it with.');
      }
      throw e;
    }
  }

  async #parseImport(
    input:
      | { kind: 'mnemonic'; mnemonic: string }
      | { kind: 'privateKey'; privateKey: string }
      | { kind: 'keystore'; keystoreJson: string; keystorePassword: string },
  ): Promise<{ mnemonic?: Mnemonic; key?: Wallet }> {
    if (input.kind === 'mnemonic') return { mnemonic: parseMnemonic(input.mnemonic) };
    if (input.kind === 'privateKey') return { key: parsePrivateKey(input.privateKey) };
    checkKeystoreKdf(input.keystoreJson, 'keystoreJson');
    let account;
    try {
      account = await decryptKeystoreJson(input.keystoreJson, input.keystorePassword);
    } catch (e) {
      if (isError(e, 'INVALID_ARGUMENT') && e.argument === 'password') throw new AppError('UNAUTHORIZED', 'keystorePassword: does not open this keystore.');
      throw new AppError('BAD_INPUT', `keystoreJson: not a keystore v3 file this app can open (${isError(e, 'INVALID_ARGUMENT') ? `bad ${e.argument}` : 'unsupported format'}).`);
    }
    // An ethers keystore may carry its phrase; keep the HD accounts when it uses the standard path.
    if (account.mnemonic && (account.mnemonic.path ?? `${HD_BASE_PATH}/0`) === `${HD_BASE_PATH}/0` && (account.mnemonic.locale ?? 'en') === 'en') {
      return { mnemonic: Mnemonic.fromEntropy(account.mnemonic.entropy) };
    }
    return { key: new Wallet(account.privateKey) };
  }

  #accountRow(index: WalletIndex, address: string, source: WalletSource, hdIndex: number | null, label: string | undefined): WalletAccount {
    return {
      address,
      label: label ?? `Account ${index.accounts.length + 1}`,
      kind: source.kind,
      sourceId: source.id,
      hdPath: hdIndex === null ? null : `${HD_BASE_PATH}/${hdIndex}`,
      index: hdIndex,
      createdAt: nowIso(),
    };
  }

  #refuseDuplicate(index: WalletIndex, address: string): void {
    const existing = index.accounts.find((a) => a.address === address);
    if (existing) throw new AppError('CONFLICT', `${address} is already in this wallet as "${existing.label}".`);
  }

  async #addPhraseSource(index: WalletIndex, unlocked: Unlocked, mnemonic: Mnemonic, password: string, label?: string): Promise<WalletAccount[]> {
    const hdBase = HDNodeWallet.fromMnemonic(mnemonic, HD_BASE_PATH);
    const first = hdBase.deriveChild(0);
    this.#refuseDuplicate(index, first.address);
    const id = hexId('wsrc');
    const source: WalletSource = { id, kind: 'mnemonic', file: `${id}.json`, nextIndex: 1, createdAt: nowIso() };
    const json = await encryptKeystoreJson(
      { address: first.address, privateKey: first.privateKey, mnemonic: { entropy: mnemonic.entropy, path: `${HD_BASE_PATH}/0`, locale: 'en' } },
      password,
      { scrypt: { N: this.#scryptN } },
    );
    this.#store.writeKeystore(source.file, json);
    const account = this.#accountRow(index, first.address, source, 0, label);
    index.sources.push(source);
    index.accounts.push(account);
    this.#store.writeIndex(index);
    unlocked.signers.set(first.address.toLowerCase(), first);
    unlocked.hdBases.set(source.id, hdBase);
    return [account];
  }

  async #addKeySource(index: WalletIndex, unlocked: Unlocked, key: Wallet, kind: WalletSource['kind'], password: string, label?: string): Promise<WalletAccount[]> {
    this.#refuseDuplicate(index, key.address);
    const id = hexId('wsrc');
    const source: WalletSource = { id, kind: kind === 'keystore' ? 'keystore' : 'privateKey', file: `${id}.json`, nextIndex: 0, createdAt: nowIso() };
    const json = await encryptKeystoreJson({ address: key.address, privateKey: key.privateKey }, password, { scrypt: { N: this.#scryptN } });
    this.#store.writeKeystore(source.file, json);
    const account = this.#accountRow(index, key.address, source, null, label);
    index.sources.push(source);
    index.accounts.push(account);
    this.#store.writeIndex(index);
    unlocked.signers.set(key.address.toLowerCase(), key);
    return [account];
  }

  /** After a create or import the wallet is unlocked: the password was just proven. */
  #finishAdd(index: WalletIndex, unlocked: Unlocked, generation: number, change: 'created' | 'imported', account: WalletAccount): void {
    // Locked (by hand or by the timer) while the keystore was being written: it stays locked.
    if (generation === this.#lockGeneration) {
      this.#unlocked = unlocked;
      this.#touch(index);
    }
    this.#audit(change === 'created' ? 'wallet.created' : 'wallet.imported', account.address, { kind: account.kind, sourceId: account.sourceId });
    this.#emit('wallet.changed', { change });
  }

  #addRequest(
    fields: Omit<SigningRequest, 'id' | 'state' | 'createdAt' | 'expiresAt' | 'reason'>,
    secretFree: Pick<RequestRecord, 'typed' | 'tx' | 'provider'>,
  ): SigningRequest {
    const ttl = this.#opts.requestTtlMs ?? REQUEST_TTL_MS;
    const id = hexId('wreq');
    const view: SigningRequest = { id, state: 'pending', createdAt: nowIso(), expiresAt: isoIn(ttl), reason: null, ...fields };
    const timer = setTimeout(() => this.#finish(id, 'expired', `not approved within ${Math.round(ttl / 1000)} s`), ttl);
    timer.unref();
    this.#requests.set(id, { view, ...secretFree, timer, busy: false, waiters: [] });
    this.#emit('wallet.request', view);
    return view;
  }

  #finish(id: string, state: 'approved' | 'rejected' | 'expired' | 'failed', reason: string | null, result?: ApprovalResult): SigningRequest {
    const record = this.#requests.get(id);
    if (!record) throw new AppError('NOT_FOUND', `id: request ${id} is unknown, or was already decided or expired.`);
    clearTimeout(record.timer);
    this.#requests.delete(id);
    record.view = { ...record.view, state, reason };
    this.#emit('wallet.request', record.view);
    for (const w of record.waiters) {
      if (result) w.resolve(result);
      else w.reject(new AppError(state === 'failed' ? 'INTERNAL' : 'CANCELLED', `Signing request ${id} was ${state}${reason ? `: ${reason}` : ''}.`));
    }
    return record.view;
  }

  async #decide(request: SigningRequest, confirm: ConfirmRequest | undefined): Promise<ApprovalResult> {
    if (!confirm) return this.waitForDecision(request.id);
    let ok: boolean;
    try {
      ok = await confirm(request);
    } catch (e) {
      this.reject({ id: request.id, reason: 'the confirmation step failed' });
      throw e;
    }
    if (!ok) {
      const rejected = this.reject({ id: request.id, reason: 'declined at the confirmation prompt' });
      throw new AppError('CANCELLED', `Signing request ${rejected.id} was rejected: declined at the confirmation prompt.`);
    }
    return this.approve({ id: request.id });
  }
}
