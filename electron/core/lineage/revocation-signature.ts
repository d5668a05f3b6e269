import { TypedDataEncoder, keccak256, toUtf8Bytes, verifyTypedData } from 'ethers';
import { CONTRIBUTION_DOMAIN } from '../datanets/signatures';

/**
 * EIP-712 consent revocations: a contributor signs (contributor, records, reason, time) with their
 * key; the typed-data digest is what identifies the revocation and what gets published on-chain.
 */
export const REVOCATION_TYPES = {
  Revocation: [
    { name: 'contributor', type: 'address' },
    { name: 'recordsHash', type: 'bytes32' },
    { name: 'reason', type: 'string' },
    { name: 'createdAt', type: 'string' },
  ],
};

export interface RevocationMessage {
  contributor: string;
  recordsHash: string;
  reason: string;
  createdAt: string;
}

/** 'all' revokes every record of the contributor's; otherwise the sorted record ids. */
export const recordsHashOf = (recordIds: readonly string[] | 'all') => keccak256(toUtf8Bytes(recordIds === 'all' ? 'all' : [...recordIds].sort().join(',')));

export const revocationHash = (m: RevocationMessage) => TypedDataEncoder.hash(CONTRIBUTION_DOMAIN, REVOCATION_TYPES, m);

/** null when the signature is the contributor's over this revocation, else why not. */
export function checkRevocationSignature(m: RevocationMessage, signature: string): string | null {
  let signer: string;
  try {
    signer = verifyTypedData(CONTRIBUTION_DOMAIN, REVOCATION_TYPES, m, signature);
  } catch (e) {
    return `signature is malformed (${(e as Error).message.split(' (')[0]})`;
  }
  if (signer.toLowerCase() !== m.contributor.toLowerCase()) return `signature is not by contributor ${m.contributor} (it was made by ${signer} or for a different revocation)`;
  return null;
}
