import type { Services } from '../core';
import { currentCaller } from '../team/context';
import type { Handlers } from './router';

type TeamMethod = 'team.me' | 'team.listUsers' | 'team.addUser' | 'team.removeUser';

export function teamHandlers(s: Services): Pick<Handlers, TeamMethod> {
  const accounts = s.teamAccounts;
  return {
    'team.me': () => currentCaller() ?? null,
    'team.listUsers': () => ({ items: accounts.list() }),
    'team.addUser': async (i) => {
      const account = await accounts.add(i);
      s.audit.append({ actor: s.actor, action: 'team.userAdded', subject: account.name, details: { role: account.role, address: account.address } });
      return account;
    },
    'team.removeUser': (i) => {
      const account = accounts.remove(i.name);
      s.audit.append({ actor: s.actor, action: 'team.userRemoved', subject: account.name, details: { role: account.role } });
      return { name: account.name };
    },
  };
}
