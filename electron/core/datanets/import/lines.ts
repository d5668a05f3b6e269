import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { AppError } from '../../../shared/errors';

export interface Line {
  /** 1-based line number. */
  number: number;
  text: string;
  /** Whether a newline ended it (a last line without one may be a truncated file). */
  terminated: boolean;
  /** Bytes of the file read so far, for progress. */
  bytesRead: number;
}

/** Streams a UTF-8 text file line by line, refusing invalid UTF-8 and over-long lines by number. */
export async function* readLines(path: string, maxLineBytes: number, signal?: AbortSignal): AsyncGenerator<Line> {
  const name = basename(path);
  // fatal: an invalid byte is an error, not a silent U+FFFD in someone's data.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let pending = '';
  let number = 0;
  let bytesRead = 0;
  const decode = (chunk?: Buffer) => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw new AppError(
        'BAD_INPUT',
        `${name} is not valid UTF-8 (an invalid byte between offsets ${bytesRead} and ${bytesRead + (chunk?.length ?? 0)}, after line ${number}); save it as UTF-8 and import it again.`,
      );
    }
  };
  for await (const raw of createReadStream(path, { highWaterMark: 1 << 20, signal })) {
    const chunk = raw as Buffer;
    pending += decode(chunk);
    bytesRead += chunk.length;
    let start = 0;
    let nl: number;
    while ((nl = pending.indexOf('\n', start)) !== -1) {
      number++;
      const end = nl > start && pending.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield { number, text: pending.slice(start, end), terminated: true, bytesRead };
      start = nl + 1;
    }
    pending = pending.slice(start);
    if (pending.length > maxLineBytes) {
      throw new AppError('BAD_INPUT', `${name}, line ${number + 1}: longer than the limit of ${maxLineBytes.toLocaleString('en')} bytes.`);
    }
  }
  pending += decode();
  if (pending.length > 0) yield { number: number + 1, text: pending.replace(/\r$/, ''), terminated: false, bytesRead };
}
