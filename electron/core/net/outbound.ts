/**
 * The one way any feature reaches beyond this machine. Nothing else in core opens network
 * connections, so "offline by default" is a property of this module: a host can list what went
 * out (and a later version can require the user's consent per feature).
 */
export interface OutboundRecord {
  url: string;
  at: string;
  purpose: string;
}

const recent: OutboundRecord[] = [];
let active = 0;

export function outboundActivity(): { active: number; recent: OutboundRecord[] } {
  return { active, recent: [...recent] };
}

export async function outboundFetch(url: string, init: RequestInit & { purpose: string }): Promise<Response> {
  const { purpose, ...rest } = init;
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`only http(s) URLs can be fetched (got ${u.protocol})`);
  recent.push({ url: `${u.origin}${u.pathname}`, at: new Date().toISOString(), purpose });
  if (recent.length > 100) recent.shift();
  active++;
  try {
    return await fetch(url, { ...rest, redirect: 'follow' });
  } finally {
    active--;
  }
}
