import { AppError } from '../../../shared/errors';

/** A signature as bytes for storage (a SQLite BLOB): little-endian uint32s, whatever the host. */
export function signatureToBuffer(sig: Uint32Array): Buffer {
  const buf = Buffer.allocUnsafe(sig.length * 4);
  for (let i = 0; i < sig.length; i++) buf.writeUInt32LE(sig[i]!, i * 4);
  return buf;
}

export function bufferToSignature(buf: Uint8Array): Uint32Array {
  if (buf.length === 0 || buf.length % 4 !== 0) {
    throw new AppError('BAD_INPUT', `A stored MinHash signature must be a non-empty multiple of 4 bytes (got ${buf.length}).`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const sig = new Uint32Array(buf.length / 4);
  for (let i = 0; i < sig.length; i++) sig[i] = view.getUint32(i * 4, true);
  return sig;
}
