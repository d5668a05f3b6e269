import { AppError } from '../../shared/errors';
import { openDatabase } from '../db/open';
import { AccountStore } from './accounts';

/**
 * The team accounts of a workspace, over a connection of their own (the CLI adds users while a
 * team server runs; the server sees them at the next sign-in). Only a plaintext workspace for now:
 * an encrypted one cannot be read before it is unlocked, and a team server cannot sign in before that.
 */
export function openTeamAccounts(dbFile: string): { store: AccountStore; close(): void } {
  let db;
  try {
    db = openDatabase(dbFile);
  } catch (e) {
    if (e instanceof AppError && /encrypted/.test(e.message)) {
      throw new AppError('NOT_AVAILABLE', 'Team accounts need a workspace that is not encrypted with the vault (not supported yet).');
    }
    throw e;
  }
  return { store: new AccountStore(db), close: () => db.close() };
}
