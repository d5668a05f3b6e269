import { AppError } from '../../shared/errors';
import type { Services } from '../core';
import type { Handlers } from './router';

type Prefixed<P extends string> = Pick<Handlers, Extract<keyof Handlers, `${P}.${string}`>>;

/**
 * Skipping the wallet's confirmation is for the CLI's explicit --yes and for tests only: a request
 * from a window (desktop or serve) always waits for the person to approve it.
 */
export function autoApproveAllowed(s: Services, autoApprove: boolean): boolean {
  if (autoApprove && s.host !== 'cli' && s.host !== 'test') {
    throw new AppError('UNAUTHORIZED', 'autoApprove: only the command line (--yes) can skip the wallet confirmation.');
  }
  return autoApprove;
}

export function chainHandlers(s: Services): Prefixed<'chain'> {
  return {
    'chain.status': () => s.chain.status(),
    'chain.listNetworks': () => ({ items: s.chain.listNetworks() }),
    'chain.addNetwork': (i) => s.chain.addNetwork(i),
    'chain.selectNetwork': (i) => s.chain.selectNetwork(i.id),
    'chain.startDevnet': () => ({ jobId: s.chain.startDevnetJob().id }),
    'chain.stopDevnet': () => s.chain.stopDevnet(),
    'chain.balances': (i) => s.chain.balances(i.account),
    'chain.activity': () => s.chain.activity(),
    'chain.publishSnapshot': (i) => ({ jobId: s.chain.publishSnapshot({ ...i, autoApprove: autoApproveAllowed(s, i.autoApprove) }).id }),
    'chain.registerAdapter': (i) => ({ jobId: s.chain.registerAdapter({ ...i, autoApprove: autoApproveAllowed(s, i.autoApprove) }).id }),
    'chain.publications': () => s.chain.publications(),
    'chain.deployContracts': (i) => ({ jobId: s.chain.deployContractsJob({ ...i, autoApprove: autoApproveAllowed(s, i.autoApprove) }).id }),
    'chain.useDeployment': (i) => s.chain.useDeployment(i),
  };
}

export function rewardsHandlers(s: Services): Prefixed<'rewards'> {
  return {
    'rewards.listEpochs': () => s.rewards.listEpochs(),
    'rewards.pending': () => s.rewards.pending(),
    'rewards.closeEpoch': (i) => ({ jobId: s.rewards.closeEpoch({ ...i, autoApprove: autoApproveAllowed(s, i.autoApprove) }).id }),
    'rewards.publishEpoch': (i) => ({ jobId: s.rewards.publishEpoch({ ...i, autoApprove: autoApproveAllowed(s, i.autoApprove) }).id }),
    'rewards.claims': (i) => s.rewards.claims(i.account),
    'rewards.claim': (i) => ({ jobId: s.rewards.claim({ ...i, autoApprove: autoApproveAllowed(s, i.autoApprove) }).id }),
    'rewards.exportClaim': (i) => s.rewards.exportClaim(i),
    'rewards.signClaim': (i) => ({ jobId: s.rewards.signClaim({ ...i, autoApprove: autoApproveAllowed(s, i.autoApprove) }).id }),
    'rewards.submitClaim': (i) => ({ jobId: s.rewards.submitClaim({ ...i, autoApprove: autoApproveAllowed(s, i.autoApprove) }).id }),
  };
}
