import { createHash, type Hash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { AppError } from '../../../shared/errors.js';

/**
 * A file written front to back with its sha256 computed on the way, buffered in large chunks.
 * It is fsynced on close; atomicity comes from the folder it is written in (a staging folder that
 * is renamed into place as a whole).
 */
export class HashedFileWriter {
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  private readonly buf: Buffer;
  private used = 0;
  private written = 0;
  private closed = false;

  constructor(readonly path: string, bufferBytes = 1 << 20) {
    this.fd = openSync(path, 'w', 0o600);
    this.buf = Buffer.allocUnsafe(bufferBytes);
  }

  get bytes(): number {
    return this.written + this.used;
  }

  write(data: Uint8Array): void {
    if (data.byteLength >= this.buf.length) {
      this.flush();
      this.writeOut(data);
      return;
    }
    if (this.used + data.byteLength > this.buf.length) this.flush();
    this.buf.set(data, this.used);
    this.used += data.byteLength;
  }

  writeU32(values: Uint32Array): void {
    this.write(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }

  /** Flushes, fsyncs and closes; returns the size and digest. */
  close(): { bytes: number; sha256: string } {
    this.flush();
    fsyncSync(this.fd);
    this.closed = true;
    closeSync(this.fd);
    return { bytes: this.written, sha256: this.hash.digest('hex') };
  }

  /** Closes without syncing, for a build being thrown away. Never closes twice: the fd number may have been reused. */
  discard(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.used === 0) return;
    this.writeOut(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  private writeOut(data: Uint8Array): void {
    this.hash.update(data);
    let off = 0;
    try {
      while (off < data.byteLength) off += writeSync(this.fd, data, off, data.byteLength - off);
    } catch (e) {
      // A full disk is the usual cause; say which file it was.
      throw new AppError('STORAGE', `Could not write ${this.path}: ${(e as Error).message}`);
    }
    this.written += data.byteLength;
  }
}
