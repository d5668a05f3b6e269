import { Mnemonic, Wallet } from 'ethers';
import { AppError } from '../../shared/errors';

/*
 * Turning user-typed secrets into keys. ethers' own errors can carry the input (a BytesLike error
 * prints the value it was given), so every failure here is replaced by a fixed message that says
 * what is wrong without repeating a word of what was typed.
 */

/** Lower case, single spaces: how BIP-39 phrases are compared and stored. */
export const normalizePhrase = (phrase: string) => phrase.normalize('NFKD').trim().toLowerCase().split(/\s+/).filter(Boolean).join(' ');

export function parseMnemonic(phrase: string, field = 'mnemonic'): Mnemonic {
  const normalized = normalizePhrase(phrase);
  const count = normalized ? normalized.split(' ').length : 0;
  if (![12, 15, 18, 21, 24].includes(count)) {
    throw new AppError('BAD_INPUT', `${field}: a BIP-39 phrase has 12, 15, 18, 21 or 24 words; this one has ${count}.`);
  }
  let valid: boolean;
  try {
    valid = Mnemonic.isValidMnemonic(normalized);
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new AppError('BAD_INPUT', `${field}: not a valid BIP-39 English phrase (a word is misspelled or out of order, so its checksum does not match).`);
  }
  try {
    return Mnemonic.fromPhrase(normalized);
  } catch {
    throw new AppError('BAD_INPUT', `${field}: not a valid BIP-39 English phrase.`);
  }
}

export function parsePrivateKey(text: string, field = 'privateKey'): Wallet {
  const hex = text.trim();
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(hex)) {
    throw new AppError('BAD_INPUT', `${field}: must be 64 hex digits (32 bytes), with or without 0x.`);
  }
  try {
    return new Wallet(hex.startsWith('0x') ? hex : `0x${hex}`);
  } catch {
    throw new AppError('BAD_INPUT', `${field}: 64 hex digits, but not a valid secp256k1 key (zero or above the curve order).`);
  }
}

/**
 * A one-line reason for a failure in signing or broadcasting, where the inputs are not secret but
 * the error object may still hold references to signing objects: only its short message survives.
 */
export function failureReason(e: unknown): string {
  if (e instanceof AppError) return e.message;
  const text =
    e instanceof Error && 'shortMessage' in e
      ? String(e.shortMessage)
      : e instanceof Error
        ? (e.message.split('\n')[0] ?? '')
        : String(e);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
