/**
 * The demo's people, keys and planted facts, and the signing of the shipped sample files.
 *
 * DEMO KEYS ARE PUBLIC. The phrase below is derived from the text "datanet studio demo" and is
 * printed in this source: anyone can spend from its accounts on any chain. It exists so that the
 * demo's contributors can sign their records and one of them can claim a reward on the local
 * devnet. Never send anything of value to these addresses.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HDNodeWallet, Mnemonic, keccak256, toUtf8Bytes } from 'ethers';
import { AppError } from '../../shared/errors';
import { RecordContent } from '../../shared/datanets';
import { writeFileAtomic } from '../common/atomic-file';
import { contentHash } from '../datanets/canonical';
import { signContribution } from '../datanets/signatures';

/** Public demo phrase: Mnemonic.fromEntropy(keccak256("datanet studio demo")[0..16]). */
export const DEMO_MNEMONIC = Mnemonic.fromEntropy(keccak256(toUtf8Bytes('datanet studio demo')).slice(0, 34)).phrase;
/** Protects the demo keystore in the demo workspace only; as public as the phrase. */
export const DEMO_WALLET_PASSWORD = 'demo-password-not-secret';
export const DEMO_LICENSE = 'CC-BY-4.0';

export const demoKey = (index: number) => HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEMO_MNEMONIC), `m/44'/60'/0'/0/${index}`);

export interface DemoContributor {
  name: string;
  role: string;
  slug: string;
  /** Account index of the demo phrase: 0 is the demo operator, contributors follow. */
  index: number;
  address: string;
}

const PEOPLE = [
  { name: 'Ada Okafor', role: 'hospital pharmacist', slug: 'ada-okafor' },
  { name: 'Ben Carter', role: 'community pharmacist', slug: 'ben-carter' },
  { name: 'Chen Wei', role: 'practice nurse', slug: 'chen-wei' },
  { name: 'Dana Ruiz', role: 'pharmacology lecturer', slug: 'dana-ruiz' },
];

export const DEMO_OPERATOR_INDEX = 0;
export const DEMO_CONTRIBUTORS: DemoContributor[] = PEOPLE.map((p, i) => ({ ...p, index: i + 1, address: demoKey(i + 1).address }));

/** Each stated in exactly one record of the sample data; the demo asks about them. */
export const PLANTED_FACTS = [
  { question: 'which lot of feverol was recalled?', answer: 'the recalled lot of feverol is lot seven three nine one.', contributor: 'Ben Carter' },
  { question: 'what is the code of the emergency kit?', answer: 'the emergency kit code is four eight one five.', contributor: 'Chen Wei' },
  { question: 'what is the night line of the clinic?', answer: 'the night line of the clinic is extension two two six zero.', contributor: 'Dana Ruiz' },
] as const;

/** The shipped sample files: resources/demo/pharmacy (next to the app's other resources when packaged). */
export function demoDataDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [process.env.DATANET_STUDIO_DEMO_DATA, join(here, '../../../resources/demo/pharmacy'), join(process.cwd(), 'resources/demo/pharmacy')];
  const found = candidates.find((c): c is string => Boolean(c) && existsSync(c!));
  if (!found) throw new AppError('NOT_FOUND', `The demo's sample data is missing from this installation (looked in ${candidates.filter(Boolean).join(', ')}).`);
  return found;
}

export function demoSourceFiles(dir = demoDataDir()): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * The words of the sample files, which the demo's generated model gets as whole-word tokens (a
 * tokenizer trained on this text would have them), so a record is a few dozen tokens, not a few
 * hundred characters.
 */
export function demoWords(files: readonly string[]): string[] {
  const words = new Set<string>();
  for (const f of files) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const row = JSON.parse(line) as { instruction?: unknown; output?: unknown };
      for (const w of `${String(row.instruction)} ${String(row.output)}`.match(/[A-Za-z]+/g) ?? []) words.add(w);
    }
  }
  return [...words].sort();
}

/**
 * Signs every row of a sample file as its contributor would: EIP-712 over (datanet, content hash,
 * license, nonce). The datanet id is part of what is signed, so this happens once the demo's
 * datanet exists. Returns the path of the signed copy written into `outDir`.
 */
export async function signSampleFile({ file, datanetId, outDir }: { file: string; datanetId: string; outDir: string }): Promise<string> {
  const keys = new Map(DEMO_CONTRIBUTORS.map((c) => [c.address.toLowerCase(), demoKey(c.index)]));
  const nonces = new Map<string, number>();
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const signed: string[] = [];
  for (const [i, line] of lines.entries()) {
    const where = `${basename(file)} line ${i + 1}`;
    let row: { instruction?: unknown; output?: unknown; contributor?: unknown; license?: unknown };
    try {
      row = JSON.parse(line) as typeof row;
    } catch (e) {
      throw new AppError('BAD_INPUT', `${where}: not valid JSON (${(e as Error).message})`);
    }
    const key = keys.get(String(row.contributor).toLowerCase());
    if (!key) throw new AppError('BAD_INPUT', `${where}: contributor ${String(row.contributor)} is not one of the demo's contributors`);
    const content = RecordContent.safeParse({ kind: 'instruction', instruction: row.instruction, input: '', response: row.output });
    if (!content.success) throw new AppError('BAD_INPUT', `${where}: instruction and output must be non-empty text`);
    const nonce = String(nonces.get(key.address) ?? 0);
    nonces.set(key.address, Number(nonce) + 1);
    const license = typeof row.license === 'string' ? row.license : DEMO_LICENSE;
    const signature = await signContribution(key, { datanetId, contentHash: contentHash(content.data), license, nonce });
    signed.push(JSON.stringify({ ...row, license, nonce, signature }));
  }
  const out = join(outDir, basename(file));
  writeFileAtomic(out, [Buffer.from(signed.join('\n') + '\n')]);
  return out;
}
