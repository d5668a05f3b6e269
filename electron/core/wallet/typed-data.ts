import { TypedDataEncoder, getAddress, isError, type TypedDataDomain, type TypedDataField } from 'ethers';
import { AppError } from '../../shared/errors';
import type { SummaryField, TypedDataSummary } from '../../shared/wallet';

const MAX_FIELDS = 200;
const MAX_VALUE_CHARS = 500;

export type TypedDataTypes = Record<string, TypedDataField[]>;

/**
 * Typed data as code inside core builds it (chain ids may be bigint, type lists readonly); the
 * contract's TypedDataInput is the JSON subset of it.
 */
export interface TypedDataRequest {
  domain: { name?: string; version?: string; chainId?: number | bigint | string; verifyingContract?: string; salt?: string };
  types: Record<string, ReadonlyArray<{ readonly name: string; readonly type: string }>>;
  primaryType: string;
  message: Record<string, unknown>;
  purpose?: string;
}

/**
 * The types reachable from `primaryType`, without EIP712Domain: ethers infers the primary type as
 * the one no other type references, so extra unrelated types would make it guess or fail.
 */
export function typesFor(types: TypedDataRequest['types'], primaryType: string): TypedDataTypes {
  if (!types[primaryType]) throw new AppError('BAD_INPUT', `primaryType: "${primaryType}" is not one of the types (${Object.keys(types).join(', ') || 'none'}).`);
  const out: TypedDataTypes = {};
  const visit = (name: string) => {
    if (out[name] || name === 'EIP712Domain') return;
    const fields = types[name];
    if (!fields) return;
    out[name] = fields.map((f) => ({ name: f.name, type: f.type }));
    for (const f of fields) visit(f.type.replace(/(\[\d*\])+$/, ''));
  };
  visit(primaryType);
  return out;
}

const display = (v: unknown): string => {
  const s = typeof v === 'string' ? v : typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v) ?? String(v);
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS)}…` : s;
};

/** Every leaf of the message as "path: type = value", following the declared types, for the confirm dialog. */
function flatten(types: TypedDataTypes, type: string, value: unknown, path: string, out: SummaryField[]): void {
  if (out.length >= MAX_FIELDS) return;
  const array = /^(.*)\[(\d*)\]$/.exec(type);
  if (array) {
    const items = Array.isArray(value) ? value : [];
    items.forEach((item, i) => flatten(types, array[1]!, item, `${path}[${i}]`, out));
    if (items.length === 0) out.push({ name: path, type, value: '[]' });
    return;
  }
  const struct = types[type];
  if (struct) {
    const obj = (value ?? {}) as Record<string, unknown>;
    for (const f of struct) flatten(types, f.type, obj[f.name], path ? `${path}.${f.name}` : f.name, out);
    return;
  }
  out.push({ name: path, type, value: display(value) });
}

/**
 * Checks that the typed data encodes (types well formed, values fit their types) and derives what
 * the confirm dialog shows from the data itself: primary type, domain and every field.
 */
export function summarizeTypedData(input: TypedDataRequest): {
  domain: TypedDataDomain;
  types: TypedDataTypes;
  digest: string;
  summary: TypedDataSummary;
} {
  const types = typesFor(input.types, input.primaryType);
  let chainId: number | null = null;
  if (input.domain.chainId !== undefined) {
    try {
      chainId = Number(BigInt(input.domain.chainId));
    } catch {
      chainId = NaN;
    }
    if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new AppError('BAD_INPUT', 'domain.chainId: must be a positive integer.');
  }
  let verifyingContract: string | null = null;
  if (input.domain.verifyingContract !== undefined) {
    try {
      verifyingContract = getAddress(input.domain.verifyingContract);
    } catch {
      throw new AppError('BAD_INPUT', 'domain.verifyingContract: must be an Ethereum address.');
    }
  }
  const domain: TypedDataDomain = { ...input.domain, chainId, verifyingContract };
  for (const k of ['chainId', 'verifyingContract'] as const) if (domain[k] === null) delete domain[k];
  let digest: string;
  try {
    digest = TypedDataEncoder.hash(domain, types, input.message);
  } catch (e) {
    const why = isError(e, 'INVALID_ARGUMENT') ? e.shortMessage : e instanceof Error ? e.message.split(' (')[0] : String(e);
    throw new AppError('BAD_INPUT', `typed data (${input.primaryType}) does not encode: ${why}.`);
  }
  const fields: SummaryField[] = [];
  flatten(types, input.primaryType, input.message, '', fields);
  return {
    domain,
    types,
    digest,
    summary: {
      primaryType: input.primaryType,
      domain: {
        name: input.domain.name ?? null,
        version: input.domain.version ?? null,
        chainId,
        verifyingContract,
      },
      fields,
      purpose: input.purpose ?? null,
    },
  };
}
