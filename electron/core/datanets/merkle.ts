import { concat, keccak256 } from 'ethers';
import { standardLeaf } from '../common/merkle';

/** A snapshot leaf: (bytes32 saltedHash, address contributor) in the StandardMerkleTree layout. */
export const leafHash = (saltedHash: string, contributor: string): string => standardLeaf(['bytes32', 'address'], [saltedHash, contributor]);

/** keccak256(salt ‖ contentHash): commits to a record without letting its text be guessed. */
export const saltedHash = (salt: string, contentHash: string) => keccak256(concat([salt, contentHash]));
