import { AuditLog } from '../audit/log';
import { LOCAL_ACTOR } from '../core';
import { defaultWorkspaceDir, prepareWorkspace } from '../workspace/workspace';
import { openTeamAccounts } from '../team/workspace-accounts';
import type { TeamAccount } from '../../shared/team';
import type { AccountStore } from '../team/accounts';
import { required, secret, str, UsageError, workspacePassphrase, type Command, type Values } from './args';

/** The accounts of serve's team mode; the commands work on the workspace database directly. */
async function withAccounts<T>(values: Values, fn: (a: AccountStore, audit: (action: string, subject: string, details: Record<string, unknown>) => void) => Promise<T> | T): Promise<T> {
  const paths = prepareWorkspace(str(values, 'workspace') ?? defaultWorkspaceDir());
  const opened = await openTeamAccounts({ paths, passphrase: workspacePassphrase(values) });
  const log = new AuditLog(opened.store.database);
  const audit = (action: string, subject: string, details: Record<string, unknown>) => {
    log.append({ actor: LOCAL_ACTOR, action, subject, details });
  };
  return Promise.resolve()
    .then(() => fn(opened.store, audit))
    .finally(() => opened.close());
}

const accountLine = (a: TeamAccount) => `${a.name.padEnd(20)} ${a.role.padEnd(12)} ${a.address ?? '-'}  (since ${a.createdAt})`;

export const TEAM_COMMANDS: Command[] = [
  {
    name: 'team add-user',
    usage: 'team add-user --name N --role owner|reviewer|contributor [--address 0x…] --password-file F',
    summary: "Add an account for serve's team mode (a contributor needs --address: their records are those with that contributor); the password is the first line of F or $DATANET_STUDIO_TEAM_PASSWORD",
    options: { name: { type: 'string' }, role: { type: 'string' }, address: { type: 'string' }, 'password-file': { type: 'string' } },
    offline: async ({ values }) => {
      const password = secret(values, 'password-file', 'DATANET_STUDIO_TEAM_PASSWORD');
      if (password === null) throw new UsageError('give the password with --password-file FILE (first line) or $DATANET_STUDIO_TEAM_PASSWORD');
      const name = required(values, 'name');
      const role = required(values, 'role');
      return withAccounts(values, async (accounts, audit) => {
        const account = await accounts.add({ name, role: role as TeamAccount['role'], address: str(values, 'address') ?? null, password });
        audit('team.userAdded', account.name, { role: account.role, address: account.address });
        return account;
      });
    },
    human: (v) => `Added ${accountLine(v as TeamAccount)}`,
  },
  {
    name: 'team list-users',
    usage: 'team list-users',
    summary: "The accounts of serve's team mode (never their passwords)",
    offline: ({ values }) => withAccounts(values, (accounts) => ({ items: accounts.list() })),
    human: (v) => {
      const items = (v as { items: TeamAccount[] }).items;
      return items.length ? items.map(accountLine).join('\n') : 'No accounts yet: add an owner with team add-user --role owner.';
    },
  },
  {
    name: 'team remove-user',
    usage: 'team remove-user --name N',
    summary: 'Remove an account (its sessions on a running team server end at their next call); the last owner cannot be removed',
    options: { name: { type: 'string' } },
    offline: ({ values }) => {
      const name = required(values, 'name');
      return withAccounts(values, (accounts, audit) => {
        const account = accounts.remove(name);
        audit('team.userRemoved', account.name, { role: account.role });
        return account;
      });
    },
    human: (v) => `Removed ${(v as TeamAccount).name}.`,
  },
];
