import { verifyTypedData, type Signer, type TypedDataDomain } from 'ethers';

/**
 * EIP-712 contribution signatures: a contributor signs (datanet, content hash, license, nonce)
 * with any Ethereum key, so the credit for a record can be checked by anyone with the hash.
 */
export const CONTRIBUTION_DOMAIN: TypedDataDomain = { name: 'Datanet Studio', version: '1' };
export const CONTRIBUTION_TYPES = {
  Contribution: [
    { name: 'datanetId', type: 'string' },
    { name: 'contentHash', type: 'bytes32' },
    { name: 'license', type: 'string' },
    { name: 'nonce', type: 'uint256' },
  ],
};

export interface Contribution {
  datanetId: string;
  contentHash: string;
  license: string;
  nonce: string;
}

export function signContribution(signer: Signer, c: Contribution): Promise<string> {
  return signer.signTypedData(CONTRIBUTION_DOMAIN, CONTRIBUTION_TYPES, c);
}

/** null when the signature is valid for `contributor`, else why not. */
export function checkContribution(c: Contribution, signature: string, contributor: string): string | null {
  if (!/^\d{1,78}$/.test(c.nonce)) return `nonce must be a non-negative integer (got "${c.nonce}")`;
  let signer: string;
  try {
    signer = verifyTypedData(CONTRIBUTION_DOMAIN, CONTRIBUTION_TYPES, c, signature);
  } catch (e) {
    return `signature is malformed (${(e as Error).message.split(' (')[0]})`;
  }
  if (signer.toLowerCase() !== contributor.toLowerCase()) {
    return `signature is not by contributor ${contributor} (it was made by ${signer} or for different content)`;
  }
  return null;
}
