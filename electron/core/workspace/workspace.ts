import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { AppError } from '../../shared/errors';
import { ensurePrivateFile, makePrivateDir, tightenTree } from './file-modes';

export const APP_DIR_NAME = 'Datanet Studio';

/**
 * The per-user workspace: the same folder Electron calls userData, so the desktop app, `serve`
 * and the CLI all open the same data unless told otherwise.
 */
export function defaultWorkspaceDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.DATANET_STUDIO_WORKSPACE) return resolve(env.DATANET_STUDIO_WORKSPACE);
  const home = homedir();
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_DIR_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), APP_DIR_NAME);
}

export interface WorkspacePaths {
  root: string;
  db: string;
  /** The database key wrapped by the passphrase; present only in an encrypted workspace. */
  vault: string;
  models: string;
  adapters: string;
  checkpoints: string;
  indexes: string;
  /** Keystores (scrypt-encrypted) and the account index. */
  wallet: string;
  /** Networks, deployments and the devnet's state. */
  chain: string;
}

export function prepareWorkspace(dir: string): WorkspacePaths {
  const root = resolve(dir);
  const paths: WorkspacePaths = {
    root,
    db: join(root, 'studio.db'),
    vault: join(root, 'vault.json'),
    models: join(root, 'models'),
    adapters: join(root, 'adapters'),
    checkpoints: join(root, 'checkpoints'),
    indexes: join(root, 'indexes'),
    wallet: join(root, 'wallet'),
    chain: join(root, 'chain'),
  };
  try {
    // Owner-only whatever the umask (file-modes.ts); one walk fixes a workspace older versions left readable.
    if (existsSync(root)) tightenTree(root);
    for (const d of [paths.root, paths.models, paths.adapters, paths.checkpoints, paths.indexes, paths.wallet, paths.chain]) makePrivateDir(d);
    ensurePrivateFile(paths.db);
  } catch (e) {
    throw new AppError('STORAGE', `Cannot create the workspace folder ${root}: ${(e as Error).message}`);
  }
  return paths;
}
