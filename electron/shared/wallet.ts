import { z } from 'zod';
import { Address, Timestamp, idOf } from './common';

export const WalletSourceId = idOf('wsrc');
export const SigningRequestId = idOf('wreq');
export const PendingCreateId = idOf('wnew');

/** Where an account's key comes from: a BIP-39 phrase (HD accounts), a raw key, or an imported keystore. */
export const AccountKind = z.enum(['mnemonic', 'privateKey', 'keystore']);
export type AccountKind = z.infer<typeof AccountKind>;

export const WalletAccount = z.object({
  address: Address,
  label: z.string(),
  kind: AccountKind,
  /** The encrypted keystore this account's key lives in (one per phrase or imported key). */
  sourceId: WalletSourceId,
  /** BIP-44 path and index for accounts derived from a phrase; null for single keys. */
  hdPath: z.string().nullable(),
  index: z.number().int().nullable(),
  createdAt: Timestamp,
});
export type WalletAccount = z.infer<typeof WalletAccount>;

export const WalletStatus = z.object({
  /** false until a wallet has been created or imported in this workspace. */
  exists: z.boolean(),
  locked: z.boolean(),
  accounts: z.number().int(),
  autoLockMinutes: z.number().int(),
  /** When the wallet locks itself if nothing is signed before then; null while locked. */
  locksAt: Timestamp.nullable(),
});
export type WalletStatus = z.infer<typeof WalletStatus>;

/** A new password: long enough that scrypt is not the only thing standing between a thief and the key. */
const NewPassword = z.string().min(8, 'must be at least 8 characters').max(1024, 'must be at most 1024 characters');
const Password = z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters');
const Label = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

/** One row of a decoded call or typed message, ready to show: the value is already a display string. */
export const SummaryField = z.object({ name: z.string(), type: z.string().optional(), value: z.string() });
export type SummaryField = z.infer<typeof SummaryField>;

/**
 * What a transaction does, decoded by the chain module from the calldata with the contract's ABI
 * (the shape of core/chain's TxSummary). The wallet checks it against the transaction it describes
 * (chain, contract address, value, function selector) before showing it.
 */
export const TransactionSummary = z.object({
  chainId: z.number().int().positive(),
  contract: z.string().min(1).max(100),
  /** null for a contract creation */
  address: Address.nullable(),
  function: z.string().min(1).max(100),
  signature: z.string().min(3).max(1000),
  args: z.array(z.object({ name: z.string(), type: z.string(), value: z.unknown() })).max(100),
  valueWei: z.string().regex(/^\d+$/, 'must be a whole number of wei'),
});
export type TransactionSummary = z.infer<typeof TransactionSummary>;

/** Derived by the wallet from the typed data itself, so the dialog never trusts a caller's description. */
export const TypedDataSummary = z.object({
  primaryType: z.string(),
  domain: z.object({
    name: z.string().nullable(),
    version: z.string().nullable(),
    chainId: z.number().int().nullable(),
    verifyingContract: Address.nullable(),
  }),
  fields: z.array(SummaryField),
  /** What the caller says it is for (shown beside, never instead of, the fields). */
  purpose: z.string().nullable(),
});
export type TypedDataSummary = z.infer<typeof TypedDataSummary>;

export const SigningRequestState = z.enum(['pending', 'approved', 'rejected', 'expired', 'failed']);

/** Something waiting for the person at the machine to approve or reject it. */
export const SigningRequest = z.object({
  id: SigningRequestId,
  kind: z.enum(['transaction', 'typedData']),
  state: SigningRequestState,
  account: Address,
  /** The chain the signature or transaction is for; null for typed data whose domain names none. */
  chainId: z.number().int().nullable(),
  /** The contract called, or the typed data's verifying contract. */
  contract: Address.nullable(),
  /** Which part of the app asked (e.g. "attribution.signReceipt"). */
  origin: z.string(),
  transaction: z
    .object({
      /** null for a contract creation */
      to: Address.nullable(),
      data: z.string(),
      valueWei: z.string(),
      summary: TransactionSummary,
    })
    .nullable(),
  typedData: TypedDataSummary.nullable(),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  /** Why it failed or was rejected; never contains key material. */
  reason: z.string().nullable(),
});
export type SigningRequest = z.infer<typeof SigningRequest>;

export const ApprovalResult = z.object({
  id: SigningRequestId,
  kind: z.enum(['transaction', 'typedData']),
  /** 65-byte signature (typed data) */
  signature: z.string().nullable(),
  /** hash of the broadcast transaction */
  txHash: z.string().nullable(),
});
export type ApprovalResult = z.infer<typeof ApprovalResult>;

const TypedDataField = z.object({ name: z.string().min(1), type: z.string().min(1) }).strict();

export const TypedDataInput = z
  .object({
    account: Address,
    domain: z
      .object({
        name: z.string().optional(),
        version: z.string().optional(),
        chainId: z.number().int().positive().optional(),
        verifyingContract: Address.optional(),
        salt: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be 32 bytes of hex').optional(),
      })
      .strict(),
    types: z.record(z.string(), z.array(TypedDataField)),
    primaryType: z.string().min(1, 'must not be empty'),
    message: z.record(z.string(), z.unknown()),
    purpose: z.string().max(200).optional(),
  })
  .strict();
export type TypedDataInput = z.infer<typeof TypedDataInput>;

export const walletMethods = {
  'wallet.status': { input: z.object({}).strict(), output: WalletStatus },
  'wallet.listAccounts': { input: z.object({}).strict(), output: z.object({ items: z.array(WalletAccount) }) },
  /**
   * Makes a fresh 12-word phrase and returns it this once, with the word positions the user must
   * type back to confirmCreate. Nothing is written until then; the pending phrase expires.
   */
  'wallet.beginCreate': {
    input: z.object({}).strict(),
    output: z.object({
      pendingId: PendingCreateId,
      mnemonic: z.string(),
      /** 1-based word positions to confirm. */
      confirmPositions: z.array(z.number().int()),
      expiresAt: Timestamp,
    }),
  },
  'wallet.confirmCreate': {
    input: z
      .object({
        pendingId: PendingCreateId,
        words: z.array(z.object({ position: z.number().int().min(1).max(24), word: z.string().max(32) }).strict()).min(1).max(24),
        /** The wallet password: new for the first wallet, the existing one after that. */
        password: NewPassword,
        label: Label.optional(),
      })
      .strict(),
    output: WalletAccount,
  },
  /** Forgets a pending phrase (the create dialog was closed); unknown or expired ids are fine. */
  'wallet.cancelCreate': { input: z.object({ pendingId: PendingCreateId }).strict(), output: z.object({ cancelled: z.boolean() }) },
  'wallet.import': {
    input: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('mnemonic'), mnemonic: z.string().max(1000), password: NewPassword, label: Label.optional() }).strict(),
      z.object({ kind: z.literal('privateKey'), privateKey: z.string().max(200), password: NewPassword, label: Label.optional() }).strict(),
      z
        .object({
          kind: z.literal('keystore'),
          /** The keystore v3 JSON text (not a path: the renderer has no file access). */
          keystoreJson: z.string().max(64 * 1024, 'must be at most 64 KiB'),
          keystorePassword: Password,
          password: NewPassword,
          label: Label.optional(),
        })
        .strict(),
    ]),
    output: z.object({ accounts: z.array(WalletAccount) }),
  },
  /** The next HD account of a phrase (the first phrase when no source is named). Needs the wallet unlocked. */
  'wallet.addAccount': {
    input: z.object({ sourceId: WalletSourceId.optional(), label: Label.optional() }).strict(),
    output: WalletAccount,
  },
  'wallet.unlock': { input: z.object({ password: Password }).strict(), output: WalletStatus },
  'wallet.lock': { input: z.object({}).strict(), output: WalletStatus },
  'wallet.setAutoLock': { input: z.object({ minutes: z.number().int().min(1).max(24 * 60) }).strict(), output: WalletStatus },
  /** Asks to sign EIP-712 typed data; the request waits in listRequests until approved or rejected. */
  'wallet.requestTypedData': { input: TypedDataInput, output: SigningRequest },
  'wallet.listRequests': { input: z.object({}).strict(), output: z.object({ items: z.array(SigningRequest) }) },
  'wallet.approve': { input: z.object({ id: SigningRequestId }).strict(), output: ApprovalResult },
  'wallet.reject': {
    input: z.object({ id: SigningRequestId, reason: z.string().max(500).optional() }).strict(),
    output: SigningRequest,
  },
} as const;

export const walletEvents = {
  /** Accounts, lock state or settings changed: views refresh. */
  'wallet.changed': z.object({
    change: z.enum(['created', 'imported', 'accountAdded', 'unlocked', 'locked', 'autoLocked', 'settings']),
  }),
  /** A signing request appeared or was decided: the UI shows or closes its confirmation dialog. */
  'wallet.request': SigningRequest,
} as const;

export type WalletEventName = keyof typeof walletEvents;
export type WalletEventPayload<E extends WalletEventName> = z.output<(typeof walletEvents)[E]>;
