/**
 * What the fuzzer feeds: every parser of outside input (GGUF reader, the importers, keystore import)
 * and every contract method's input. A crash is any failure other than the app's own error (an
 * AppError, or an error envelope other than INTERNAL): a TypeError, a RangeError, an abort.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HDNodeWallet, encryptKeystoreJsonSync } from 'ethers';
import type { Core } from '../../electron/core/core';
import { rowsOf } from '../../electron/core/datanets/import/pipeline';
import { sniffFormat } from '../../electron/core/datanets/import/sniff';
import { readGguf, readTensorData } from '../../electron/core/models/gguf/reader';
import { encodeGguf } from '../../electron/core/models/gguf/writer';
import { methods, type MethodName } from '../../electron/shared/contract';
import { AppError } from '../../electron/shared/errors';
import type { ImportFormat } from '../../electron/shared/curation';
import { makeDocx, makePdf } from '../fixtures/files/documents';
import { mutate, randomJson, type Rand } from './mutate';

export class Crash extends Error {}

export interface FuzzTarget {
  name: string;
  /** A new input (mutated from a valid one, or generated). */
  generate(r: Rand): Buffer;
  /** Resolves when the input was handled (accepted or refused with the app's own error); throws Crash otherwise. */
  run(input: Buffer): Promise<'accepted' | 'refused' | 'skipped'>;
}

const SLOW_MS = 10_000;

async function guard(what: () => Promise<unknown>): Promise<'accepted' | 'refused'> {
  const t0 = Date.now();
  let outcome: 'accepted' | 'refused';
  try {
    await what();
    outcome = 'accepted';
  } catch (e) {
    if (!(e instanceof AppError)) throw new Crash(`${(e as Error).name}: ${(e as Error).message}`.slice(0, 500));
    outcome = 'refused';
  }
  if (Date.now() - t0 > SLOW_MS) throw new Crash(`took ${Date.now() - t0} ms (limit ${SLOW_MS})`);
  return outcome;
}

function ggufSeed(): Buffer {
  const f32 = Buffer.alloc(4 * 8 * 2);
  for (let i = 0; i < 16; i++) f32.writeFloatLE(i / 7, i * 4);
  return Buffer.concat(encodeGguf(
    {
      'general.architecture': { type: 'string', value: 'llama' },
      'general.name': { type: 'string', value: 'fuzz' },
      'llama.block_count': { type: 'u32', value: 1 },
      'llama.rope.freq_base': { type: 'f32', value: 10000 },
      'tokenizer.ggml.tokens': { type: 'array', itemType: 'string', value: ['<s>', '</s>', 'a', 'b'] },
    },
    [{ name: 'token_embd.weight', ne: [8, 2], type: 'F32', data: f32 }],
  ));
}

const SEEDS: Record<ImportFormat, () => Buffer> = {
  jsonl: () => Buffer.from([
    '{"instruction":"What is angina?","input":"","output":"Chest pain from reduced blood flow."}',
    '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}',
    '{"prompt":"2+2","completion":"4","contributor":"0x00000000000000000000000000000000000000ab"}',
    '{"text":"A plain text record."}',
    '{"conversations":[{"from":"human","value":"q"},{"from":"gpt","value":"a"}]}',
  ].join('\n')),
  csv: () => Buffer.from('question,answer,contributor\n"What is a lease?","A contract for the use of property.",0x00000000000000000000000000000000000000ab\nsecond,"multi\nline, quoted",\n'),
  markdown: () => Buffer.from('# Discharge notes\n\nPatient stable.\n\n## Plan\n\n- aspirin\n- review in 2 weeks\n\n```\ncode\n```\n'),
  txt: () => Buffer.from('First paragraph of a plain text file.\n\nSecond paragraph, with more words in it than the first one has.\n'),
  pdf: () => makePdf([['Clinic notes, page one', 'Second line'], ['Page two']]),
  docx: () => makeDocx(['A contract clause.', 'Another paragraph of the agreement.']),
};

/** The parsers of files: each input is written to a file and read the way an import or model add reads it. */
export function fileTargets(dir: string): FuzzTarget[] {
  mkdirSync(dir, { recursive: true });
  const gguf = ggufSeed();
  const targets: FuzzTarget[] = [{
    name: 'gguf',
    generate: (r) => mutate(r, gguf, gguf),
    run: async (input) => {
      const path = join(dir, 'input.gguf');
      writeFileSync(path, input);
      return guard(async () => {
        const f = readGguf(path);
        for (const t of f.tensors) readTensorData(f, t);
      });
    },
  }];
  for (const format of Object.keys(SEEDS) as ImportFormat[]) {
    const seed = SEEDS[format]();
    const other = SEEDS[format === 'pdf' ? 'docx' : 'pdf']();
    // Most damage to a ZIP breaks its checksums first; half the DOCX inputs damage the XML inside an intact archive.
    const paragraphs = ['A contract clause.', 'Another paragraph of the agreement.'];
    const generate = format === 'docx'
      ? (r: Rand) => (r() < 0.5 ? mutate(r, seed, seed) : makeDocx(paragraphs, { part: (name, data) => (name.endsWith('document.xml') || r() < 0.2 ? mutate(r, data, data) : data) }))
      : (r: Rand) => mutate(r, seed, r() < 0.9 ? seed : other);
    const path = join(dir, `input.${format === 'markdown' ? 'md' : format}`);
    const read = async () => {
      const mapping = { instruction: 'question', response: 'answer', contributor: 'contributor' };
      for await (const row of rowsOf({ mapping, chunkChars: 2000 }, path, sniffFormat(path, format))) void row;
    };
    // PDF and DOCX parse in a worker whose first start (loading pdf.js, under tsx) takes seconds:
    // that start-up happens once, untimed, so the slow-input limit measures parsing only.
    let warm = format !== 'pdf' && format !== 'docx';
    targets.push({
      name: format,
      generate,
      run: async (input) => {
        if (!warm) {
          warm = true;
          writeFileSync(path, seed);
          await read();
        }
        writeFileSync(path, input);
        return guard(read);
      },
    });
  }
  return targets;
}

/** Inputs that arrive through the contract: keystore import, and every method's input object. */
export function coreTargets(core: Core): FuzzTarget[] {
  const keystore = Buffer.from(encryptKeystoreJsonSync(
    { address: HDNodeWallet.fromPhrase('test test test test test test test test test test test junk').address, privateKey: HDNodeWallet.fromPhrase('test test test test test test test test test test test junk').privateKey },
    'keystore-password',
    { scrypt: { N: 16 } },
  ));
  const envelope = async (method: MethodName, input: unknown): Promise<'accepted' | 'refused'> => {
    const t0 = Date.now();
    const res = await core.call(method, input as never);
    if (Date.now() - t0 > SLOW_MS) throw new Crash(`${method} took ${Date.now() - t0} ms`);
    if (res.ok) return 'accepted';
    if (res.error.code === 'INTERNAL') throw new Crash(`${method}: INTERNAL: ${res.error.message}`.slice(0, 500));
    return 'refused';
  };
  const names = Object.keys(methods) as MethodName[];
  const keysOf = (m: MethodName): string[] => {
    const shape = (methods[m].input as unknown as { shape?: Record<string, unknown> }).shape;
    return shape ? Object.keys(shape) : ['kind'];
  };
  return [
    {
      name: 'keystore',
      generate: (r) => mutate(r, keystore, keystore),
      run: (input) => envelope('wallet.import', { kind: 'keystore', keystoreJson: input.toString('utf8'), keystorePassword: 'keystore-password', password: 'a long new wallet password', label: 'fuzz' }),
    },
    {
      name: 'contract',
      generate: (r) => {
        const method = names[Math.floor(r() * names.length)]!;
        return Buffer.from(JSON.stringify({ method, input: randomJson(r, keysOf(method)) }));
      },
      run: async (input) => {
        const { method, input: value } = JSON.parse(input.toString('utf8')) as { method: MethodName; input: unknown };
        // Only inputs the method refuses are sent: a valid one would really act (start a devnet, say).
        // The router reads a missing input (null, undefined) as {}.
        if (methods[method].input.safeParse(value ?? {}).success) return 'skipped';
        const outcome = await envelope(method, value);
        if (outcome === 'accepted') throw new Crash(`${method} accepted an input its schema refuses`);
        return outcome;
      },
    },
  ];
}

export interface FuzzCount { target: string; tried: number; accepted: number; refused: number; skipped: number; crashes: number }

/** Runs each target for its number of inputs (or until the deadline); crashes are reported, not thrown. */
export async function fuzz({ targets, iterations, deadline, r, onCrash }: {
  targets: FuzzTarget[];
  iterations: (name: string) => number;
  deadline?: number;
  r: Rand;
  onCrash(target: FuzzTarget, input: Buffer, error: Crash): void;
}): Promise<FuzzCount[]> {
  const counts: FuzzCount[] = [];
  for (const t of targets) {
    const c: FuzzCount = { target: t.name, tried: 0, accepted: 0, refused: 0, skipped: 0, crashes: 0 };
    for (let i = 0; i < iterations(t.name) && !(deadline && Date.now() > deadline); i++) {
      const input = t.generate(r);
      c.tried++;
      try {
        c[await t.run(input)]++;
      } catch (e) {
        if (!(e instanceof Crash)) throw e;
        c.crashes++;
        onCrash(t, input, e);
      }
    }
    counts.push(c);
  }
  return counts;
}

export const REGRESSIONS = join(import.meta.dirname, 'regressions');

/** Keeps a crashing input as a regression fixture (named by its hash), returning the path. */
export function saveRegression(target: string, input: Buffer): string {
  const dir = join(REGRESSIONS, target);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${createHash('sha256').update(input).digest('hex').slice(0, 16)}.bin`);
  writeFileSync(path, input);
  return path;
}

/** Every saved crash input, replayed: none may crash again. */
export async function replayRegressions(targets: FuzzTarget[]): Promise<{ path: string; error: string }[]> {
  const failures: { path: string; error: string }[] = [];
  for (const t of targets) {
    const dir = join(REGRESSIONS, t.name);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      try {
        await t.run(readFileSync(join(dir, f)));
      } catch (e) {
        failures.push({ path: join(dir, f), error: (e as Error).message });
      }
    }
  }
  return failures;
}
