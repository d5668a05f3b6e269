import { concat, getAddress, keccak256, randomBytes, toUtf8Bytes, TypedDataEncoder, verifyTypedData, hexlify, type TypedDataDomain } from 'ethers';
import { RECEIPT_FORMAT, ReceiptBody, ReceiptFile, type ReceiptVerification } from '../../shared/receipts';
import { canonicalJson } from '../common/canonical-json';

/**
 * EIP-712 receipts. The domain has no chain id: a receipt is a local statement, valid offline;
 * it is bound to a chain only when its epoch's receipts root is anchored there.
 */
export const RECEIPT_DOMAIN: TypedDataDomain = { name: 'Datanet Studio Receipt', version: '1' };
export const RECEIPT_TYPES = {
  Receipt: [
    { name: 'modelSha256', type: 'bytes32' },
    { name: 'adapterSha256', type: 'bytes32' },
    { name: 'snapshotRoot', type: 'bytes32' },
    { name: 'promptHash', type: 'bytes32' },
    { name: 'answerHash', type: 'bytes32' },
    { name: 'contributors', type: 'address[]' },
    { name: 'sharesBps', type: 'uint16[]' },
    { name: 'method', type: 'string' },
    { name: 'paramsHash', type: 'bytes32' },
    { name: 'timestamp', type: 'uint64' },
  ],
};

/** Signs typed data with the workspace wallet; null when no wallet is unlocked. */
export type TypedDataSigner = (typed: { domain: TypedDataDomain; types: typeof RECEIPT_TYPES; primaryType: 'Receipt'; message: ReceiptBody }) => Promise<{ signer: string; signature: string } | null>;

export const newSalt = (): string => hexlify(randomBytes(32));

/** Commitment to a text: keccak256(salt ‖ utf8(text)). */
export const saltedTextHash = (salt: string, text: string): string => keccak256(concat([salt, toUtf8Bytes(text)]));

export const paramsHash = (params: unknown): string => keccak256(toUtf8Bytes(canonicalJson(params)));

export const sha256Hex = (hex: string): string => (hex.startsWith('0x') ? hex : `0x${hex}`).toLowerCase();

export const receiptDigest = (body: ReceiptBody): string => TypedDataEncoder.hash(RECEIPT_DOMAIN, RECEIPT_TYPES, body);

export async function makeReceipt(body: ReceiptBody, sign: TypedDataSigner | null): Promise<ReceiptFile> {
  const receipt = ReceiptBody.parse(body);
  const problems = structuralProblems(receipt);
  if (problems.length) throw new Error(`Cannot make a receipt: ${problems.join('; ')}`);
  const signed = sign ? await sign({ domain: RECEIPT_DOMAIN, types: RECEIPT_TYPES, primaryType: 'Receipt', message: receipt }) : null;
  return {
    format: RECEIPT_FORMAT,
    version: 1,
    receipt,
    digest: receiptDigest(receipt),
    signer: signed ? getAddress(signed.signer) : null,
    signature: signed ? signed.signature : null,
  };
}

function structuralProblems(r: ReceiptBody): string[] {
  const problems: string[] = [];
  if (r.contributors.length !== r.sharesBps.length) problems.push(`contributors (${r.contributors.length}) and sharesBps (${r.sharesBps.length}) differ in length`);
  const sum = r.sharesBps.reduce((a, b) => a + b, 0);
  if (r.sharesBps.length > 0 && sum !== 10_000) problems.push(`sharesBps sum to ${sum}, not 10000`);
  const lower = r.contributors.map((c) => c.toLowerCase());
  if (new Set(lower).size !== lower.length) problems.push('contributors lists an address twice');
  return problems;
}

/** Checks a receipt file's shape, its digest and (when signed) that the signer made the signature. */
export function verifyReceipt(input: unknown): ReceiptVerification {
  const parsed = ReceiptFile.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      signed: false,
      digest: null,
      signer: null,
      problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'receipt'}: ${i.message}`),
    };
  }
  const f = parsed.data;
  const problems = structuralProblems(f.receipt).map((p) => `receipt: ${p}`);
  const digest = receiptDigest(f.receipt);
  if (digest !== f.digest.toLowerCase()) problems.push('digest: does not match the receipt fields (a field was changed after the receipt was made)');
  if ((f.signer === null) !== (f.signature === null)) problems.push('signature: signer and signature must both be present or both be null');
  if (f.signer && f.signature) {
    let recovered: string | null = null;
    try {
      recovered = verifyTypedData(RECEIPT_DOMAIN, RECEIPT_TYPES, f.receipt, f.signature);
    } catch (e) {
      problems.push(`signature: malformed (${(e as Error).message.split(' (')[0]})`);
    }
    if (recovered && recovered.toLowerCase() !== f.signer.toLowerCase()) {
      problems.push(`signature: not made by ${f.signer} over these fields (it recovers to ${recovered})`);
    }
  }
  return { ok: problems.length === 0, signed: f.signature !== null, digest, signer: f.signer, problems };
}
