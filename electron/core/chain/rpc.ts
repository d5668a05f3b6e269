import { FetchRequest, JsonRpcProvider, Network, type GetUrlResponse } from 'ethers';
import { AppError } from '../../shared/errors';
import { outboundFetch } from '../net/outbound';

/** One JSON-RPC request as it left this process: its URL and its exact body. */
export interface RpcRequestRecord {
  url: string;
  body: string;
  at: string;
}

type Listener = (record: RpcRequestRecord) => void;
const listeners = new Set<Listener>();

/**
 * Records every JSON-RPC request body that any provider made by createRpcProvider sends from now
 * on, until stop(). The privacy test scans these: a signed transaction's calldata travels inside
 * eth_sendRawTransaction's body, so this is everything the app ever told a chain.
 */
export function recordRpcRequests(): { requests: RpcRequestRecord[]; stop: () => void } {
  const requests: RpcRequestRecord[] = [];
  const listener: Listener = (r) => requests.push(r);
  listeners.add(listener);
  return { requests, stop: () => listeners.delete(listener) };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackUrl(url: string): boolean {
  return LOOPBACK_HOSTS.has(new URL(url).hostname);
}

/**
 * A JSON-RPC provider for one network whose every request goes through here: loopback URLs (the
 * devnet) are fetched directly, anything else through net/outbound so the network indicator sees
 * it. The chain id is fixed, so ethers never sends eth_chainId on its own; assertChainId checks it
 * explicitly before anything is signed.
 */
export function createRpcProvider({ url, chainId }: { url: string; chainId: number }): JsonRpcProvider {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError('BAD_INPUT', `The RPC URL "${url}" is not a URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new AppError('BAD_INPUT', `The RPC URL must be http(s) (got ${parsed.protocol}).`);
  }
  const loopback = isLoopbackUrl(url);
  const request = new FetchRequest(url);
  // The devnet answers in milliseconds; a public node may be slow but not forever.
  request.timeout = loopback ? 30_000 : 120_000;
  request.getUrlFunc = async (req, signal): Promise<GetUrlResponse> => {
    const body = req.body ? new TextDecoder().decode(req.body) : '';
    const record: RpcRequestRecord = { url: req.url, body, at: new Date().toISOString() };
    for (const l of listeners) l(record);
    const abort = new AbortController();
    signal?.addListener(() => abort.abort());
    // ethers applies its request timeout only in its own fetch function, which this replaces.
    const init: RequestInit = {
      method: req.method,
      headers: Object.fromEntries(req),
      body: req.body ?? undefined,
      signal: AbortSignal.any([abort.signal, AbortSignal.timeout(req.timeout)]),
    };
    try {
      const res = loopback ? await fetch(req.url, init) : await outboundFetch(req.url, { ...init, purpose: 'chain-rpc' });
      return {
        statusCode: res.status,
        statusMessage: res.statusText,
        headers: Object.fromEntries(res.headers.entries()),
        body: new Uint8Array(await res.arrayBuffer()),
      };
    } catch (e) {
      if ((e as Error).name === 'TimeoutError') throw new AppError('NOT_AVAILABLE', `The RPC endpoint ${parsed.origin} did not answer within ${req.timeout / 1000} s.`);
      throw e;
    }
  };
  return new JsonRpcProvider(request, Network.from(chainId), {
    staticNetwork: true,
    batchMaxCount: 1,
    // ethers otherwise answers a repeated request from a 250 ms cache: two transactions sent in a
    // row would then be given the same nonce.
    cacheTimeout: -1,
    // anvil mines at once; a public chain's blocks come every few seconds.
    pollingInterval: loopback ? 100 : 4000,
  });
}
