import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AppError } from '../../shared/errors';
import { AccountName, NewAccount, type TeamAccount, type TeamRole } from '../../shared/team';
import { describeIssues } from '../rpc/router';
import { nowIso } from '../common/ids';
import type { Db } from '../db/open';

/** scrypt cost (2^15, r=8: ~32 MiB and ~0.1 s per check); lower only in tests. */
export const DEFAULT_PASSWORD_COST = { N: 2 ** 15, r: 8, p: 1 };

function scrypt(password: string, salt: Buffer, keyLen: number, o: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFC'), salt, keyLen, { ...o, maxmem: 256 * 1024 * 1024 }, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

export async function hashPassword(password: string, cost = DEFAULT_PASSWORD_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether `password` matches a stored hash; compares in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

interface Row {
  name: string;
  role: TeamRole;
  address: string | null;
  password_hash: string;
  created_at: string;
}

const toAccount = (r: Row): TeamAccount => ({ name: r.name, role: r.role, address: r.address, createdAt: r.created_at });

/** serve's team accounts, in the workspace database (table team_accounts). */
export class AccountStore {
  /** Checked against when the name is unknown, so a wrong name costs as long as a wrong password. */
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly db: Db,
    private readonly cost = DEFAULT_PASSWORD_COST,
  ) {}

  /** The connection the accounts live on (the CLI audits its changes through it). */
  get database(): Db {
    return this.db;
  }

  async add(input: NewAccount): Promise<TeamAccount> {
    const parsed = NewAccount.safeParse(input);
    if (!parsed.success) throw new AppError('BAD_INPUT', describeIssues(parsed.error));
    const a = parsed.data;
    const hash = await hashPassword(a.password, this.cost);
    const row: Row = { name: a.name, role: a.role, address: a.address?.toLowerCase() ?? null, password_hash: hash, created_at: nowIso() };
    try {
      this.db
        .prepare('INSERT INTO team_accounts (name, role, address, password_hash, created_at) VALUES (@name, @role, @address, @password_hash, @created_at)')
        .run(row);
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new AppError('CONFLICT', `There is already an account named "${a.name}".`);
      throw e;
    }
    return toAccount(row);
  }

  list(): TeamAccount[] {
    return (this.db.prepare('SELECT * FROM team_accounts ORDER BY name').all() as Row[]).map(toAccount);
  }

  get(name: string): TeamAccount | null {
    const row = this.db.prepare('SELECT * FROM team_accounts WHERE name = ?').get(name) as Row | undefined;
    return row ? toAccount(row) : null;
  }

  remove(name: string): TeamAccount {
    const parsed = AccountName.safeParse(name);
    const account = parsed.success ? this.get(parsed.data) : null;
    if (!account) throw new AppError('NOT_FOUND', `There is no account named ${JSON.stringify(name.slice(0, 64))}.`);
    if (account.role === 'owner' && this.list().filter((a) => a.role === 'owner').length === 1) {
      throw new AppError('CONFLICT', `"${name}" is the last owner: add another owner first, or a team server could not be run.`);
    }
    this.db.prepare('DELETE FROM team_accounts WHERE name = ?').run(account.name);
    return account;
  }

  hasOwner(): boolean {
    return this.db.prepare(`SELECT 1 FROM team_accounts WHERE role = 'owner' LIMIT 1`).get() !== undefined;
  }

  /** The account when name and password match, else null (the same work either way). */
  async verify(name: string, password: string): Promise<TeamAccount | null> {
    const row = this.db.prepare('SELECT * FROM team_accounts WHERE name = ?').get(name) as Row | undefined;
    if (!row) {
      this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'), this.cost);
      await verifyPassword(password, await this.dummyHash);
      return null;
    }
    return (await verifyPassword(password, row.password_hash)) ? toAccount(row) : null;
  }
}
