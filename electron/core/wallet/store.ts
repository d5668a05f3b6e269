import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import { WalletAccount, WalletSourceId } from '../../shared/wallet';
import { writeFileAtomic } from '../common/atomic-file';
import { makePrivateDir } from '../workspace/file-modes';
import { describeIssues } from '../rpc/router';

export const DEFAULT_AUTO_LOCK_MINUTES = 15;

/** One encrypted keystore file: a phrase (holding its HD accounts) or a single key. */
const WalletSource = z.object({
  id: WalletSourceId,
  kind: z.enum(['mnemonic', 'privateKey', 'keystore']),
  file: z.string().regex(/^wsrc_[0-9a-f]{16}\.json$/),
  /** The next HD index addAccount derives (phrases only). */
  nextIndex: z.number().int().min(0),
  createdAt: z.string(),
});
export type WalletSource = z.infer<typeof WalletSource>;

/** accounts.json: addresses and labels only. Nothing in it is secret; keys live in the keystores. */
const WalletIndex = z.object({
  version: z.literal(1),
  autoLockMinutes: z.number().int().min(1).max(24 * 60),
  sources: z.array(WalletSource),
  accounts: z.array(WalletAccount),
});
export type WalletIndex = z.infer<typeof WalletIndex>;

const emptyIndex = (): WalletIndex => ({ version: 1, autoLockMinutes: DEFAULT_AUTO_LOCK_MINUTES, sources: [], accounts: [] });

/** The workspace's wallet/ folder: accounts.json plus one keystore v3 file per source, written atomically. */
export class WalletStore {
  readonly dir: string;
  private readonly indexPath: string;

  constructor(dir: string) {
    this.dir = dir;
    this.indexPath = join(dir, 'accounts.json');
  }

  readIndex(): WalletIndex {
    if (!existsSync(this.indexPath)) return emptyIndex();
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.indexPath, 'utf8'));
    } catch (e) {
      throw new AppError('STORAGE', `${this.indexPath}: cannot be read as JSON (${e instanceof Error ? e.message : String(e)}).`);
    }
    const parsed = WalletIndex.safeParse(raw);
    if (!parsed.success) throw new AppError('STORAGE', `${this.indexPath}: ${describeIssues(parsed.error)}`);
    return parsed.data;
  }

  writeIndex(index: WalletIndex): void {
    this.#write(this.indexPath, () => {
      makePrivateDir(this.dir);
      writeFileAtomic(this.indexPath, [Buffer.from(`${JSON.stringify(index, null, 2)}\n`)]);
    });
  }

  readKeystore(source: WalletSource): string {
    const path = join(this.dir, source.file);
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      throw new AppError('STORAGE', `${path}: the keystore of ${source.id} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
  }

  /** Keystore files are owner-only (as every file writeFileAtomic writes): encrypted, but nobody else's to read. */
  writeKeystore(file: string, json: string): void {
    const path = join(this.dir, file);
    this.#write(path, () => {
      makePrivateDir(this.dir);
      writeFileAtomic(path, [Buffer.from(json)]);
    });
  }

  #write(path: string, write: () => void): void {
    try {
      write();
    } catch (e) {
      throw new AppError('STORAGE', `${path}: cannot be written (${(e as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
  }
}
