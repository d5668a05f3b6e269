import { closeSync, openSync, readSync } from 'node:fs';
import { AppError } from '../../../shared/errors.js';

/** Reads `count` uint32 values from `path` starting at value `start`. */
export function readU32Range(path: string, start: number, count: number): Uint32Array {
  const buf = Buffer.allocUnsafeSlow(count * 4);
  const fd = openSync(path, 'r');
  try {
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, start * 4 + off);
      if (n === 0) throw new AppError('STORAGE', `${path} ended at byte ${start * 4 + off}, expected ${(start + count) * 4}: the file is truncated.`);
      off += n;
    }
  } finally {
    closeSync(fd);
  }
  return new Uint32Array(buf.buffer, buf.byteOffset, count);
}
