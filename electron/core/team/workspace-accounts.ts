import { AppError } from '../../shared/errors';
import { openDatabase } from '../db/open';
import { isPlaintextDatabase } from '../vault/sqlcipher';
import { readVaultFile, unwrapKey } from '../vault/key-wrap';
import type { WorkspacePaths } from '../workspace/workspace';
import { AccountStore } from './accounts';

/**
 * The team accounts of a workspace, over a connection of their own (the CLI adds users while a
 * team server runs; the server sees them at the next sign-in). An encrypted workspace needs its
 * passphrase: sign-in must work before anyone has unlocked the app, so the server keeps this one
 * connection keyed for as long as it runs.
 */
export async function openTeamAccounts(o: { paths: WorkspacePaths; passphrase: string | null }): Promise<{ store: AccountStore; close(): void }> {
  const key = await workspaceKey(o);
  try {
    const db = openDatabase(o.paths.db, key ? { key } : {});
    return { store: new AccountStore(db), close: () => db.close() };
  } finally {
    // SQLCipher holds its own copy once keyed.
    key?.fill(0);
  }
}

/** The key of an encrypted workspace from its passphrase; null for a plaintext one. */
async function workspaceKey(o: { paths: WorkspacePaths; passphrase: string | null }): Promise<Buffer | null> {
  const vault = readVaultFile(o.paths.vault);
  if (!vault) return null;
  if (isPlaintextDatabase(o.paths.db)) {
    throw new AppError('CONFLICT', 'The workspace\'s encryption was interrupted: unlock it once (any command with --passphrase-file) to finish it, then manage team accounts.');
  }
  if (o.passphrase === null) {
    throw new AppError('LOCKED', 'The workspace is encrypted: its team accounts need its passphrase (--passphrase-file FILE, first line, or $DATANET_STUDIO_PASSPHRASE).');
  }
  return unwrapKey(vault, o.passphrase);
}
