/**
 * Writes the demo's sample data, resources/demo/pharmacy: a pharmacy counter FAQ for a fictional
 * clinic, one JSONL file per contributor. Run with `npx tsx electron/core/demo/sample-data.ts`;
 * the output is committed, and the same input always gives the same files (the spine test checks
 * that the committed files are current).
 *
 * Everything here is invented: the products, doses, codes and people do not exist, and nothing
 * in it is medical advice. It is shaped to exercise each curation step: a few planted exact and
 * near duplicates, a few records holding PII (emails, phone numbers, names with a cue), and three
 * planted facts, each stated in exactly one record, that the demo asks the trained model about.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../common/atomic-file';
import { mulberry32 } from '../common/prng';
import { DEMO_CONTRIBUTORS, DEMO_LICENSE, PLANTED_FACTS, type DemoContributor } from './dataset';

interface Product {
  name: string;
  use: string;
  dose: string;
  every: string;
  max: string;
  food: string;
  child: string;
  store: string;
  warn: string;
}

// Fictional over-the-counter products of the fictional Northfield Clinic pharmacy.
const PRODUCTS: Product[] = [
  { name: 'calmora', use: 'mild pain and fever', dose: 'one tablet', every: 'six hours', max: 'four tablets', food: 'with food', child: 'twelve', store: 'below 25 C', warn: 'do not take with other pain tablets' },
  { name: 'feverol', use: 'fever in adults', dose: 'two tablets', every: 'eight hours', max: 'six tablets', food: 'with water', child: 'sixteen', store: 'in a dry place', warn: 'stop if a rash starts' },
  { name: 'nasiclear', use: 'a blocked nose', dose: 'one spray in each side', every: 'twelve hours', max: 'two sprays a day', food: 'at any time', child: 'six', store: 'below 30 C', warn: 'use for no more than five days' },
  { name: 'dormeva', use: 'short trouble sleeping', dose: 'one tablet at night', every: 'night', max: 'one tablet', food: 'after a light meal', child: 'eighteen', store: 'away from light', warn: 'it makes you drowsy the next morning' },
  { name: 'gastrin plus', use: 'heartburn', dose: 'two chewable tablets', every: 'four hours', max: 'eight tablets', food: 'after meals', child: 'twelve', store: 'below 25 C', warn: 'see a doctor if it lasts two weeks' },
  { name: 'allerex', use: 'hay fever', dose: 'one tablet', every: 'day', max: 'one tablet', food: 'with or without food', child: 'six', store: 'in the box', warn: 'it can make some people sleepy' },
  { name: 'tussamin', use: 'a dry cough', dose: 'ten ml', every: 'six hours', max: 'forty ml', food: 'after food', child: 'twelve', store: 'in the fridge once open', warn: 'avoid alcohol while taking it' },
  { name: 'dermalin cream', use: 'itchy skin', dose: 'a thin layer', every: 'eight hours', max: 'three times a day', food: 'on clean skin', child: 'two', store: 'below 25 C', warn: 'keep it away from the eyes' },
  { name: 'hydrafix', use: 'loss of water after diarrhoea', dose: 'one sachet in water', every: 'loose stool', max: 'eight sachets', food: 'between meals', child: 'one', store: 'in a dry place', warn: 'see a doctor if there is blood' },
  { name: 'motilane', use: 'travel sickness', dose: 'one tablet an hour before the trip', every: 'eight hours', max: 'three tablets', food: 'with water', child: 'ten', store: 'below 25 C', warn: 'do not drive after taking it' },
  { name: 'ferrovit', use: 'low iron', dose: 'one capsule', every: 'day', max: 'one capsule', food: 'on an empty stomach', child: 'twelve', store: 'out of reach of children', warn: 'it can turn stools dark' },
  { name: 'vitadee drops', use: 'low vitamin d', dose: 'two drops', every: 'day', max: 'two drops', food: 'with a meal', child: 'one', store: 'below 25 C', warn: 'do not take other vitamin d at the same time' },
  { name: 'lorasine', use: 'cold sores', dose: 'a small amount of gel', every: 'four hours', max: 'five times a day', food: 'on the sore only', child: 'twelve', store: 'below 25 C', warn: 'wash hands after each use' },
  { name: 'mucoflow', use: 'a chesty cough', dose: 'one effervescent tablet', every: 'twelve hours', max: 'two tablets', food: 'dissolved in water', child: 'fourteen', store: 'with the cap closed', warn: 'drink plenty of water' },
  { name: 'ocudrop', use: 'dry eyes', dose: 'one drop in each eye', every: 'four hours', max: 'six times a day', food: 'at any time', child: 'three', store: 'for four weeks after opening', warn: 'remove contact lenses first' },
  { name: 'laxeen', use: 'constipation', dose: 'one sachet', every: 'day', max: 'two sachets', food: 'in a glass of water', child: 'eight', store: 'in a dry place', warn: 'stop after one week without a doctor' },
  { name: 'zinclo lozenges', use: 'a sore throat', dose: 'one lozenge', every: 'three hours', max: 'eight lozenges', food: 'dissolved slowly in the mouth', child: 'six', store: 'below 25 C', warn: 'do not chew the lozenge' },
  { name: 'painex gel', use: 'sprains and muscle pain', dose: 'a thin layer rubbed in', every: 'six hours', max: 'four times a day', food: 'on unbroken skin', child: 'fourteen', store: 'below 25 C', warn: 'do not cover with a tight bandage' },
  { name: 'antifung powder', use: 'athletes foot', dose: 'a light dusting', every: 'twelve hours', max: 'twice a day', food: 'on dry feet', child: 'two', store: 'in a dry place', warn: 'keep using it two weeks after the skin clears' },
  { name: 'nicoban patch', use: 'stopping smoking', dose: 'one patch', every: 'day', max: 'one patch', food: 'on clean dry skin', child: 'eighteen', store: 'in the sealed pouch', warn: 'take the patch off before sleep if dreams are vivid' },
];

// Several phrasings per question keep records of different products from looking like near duplicates.
const QUESTIONS: Array<(p: Product) => [string, string][]> = [
  (p) => [
    [`what is the adult dose of ${p.name}?`, `the adult dose of ${p.name} is ${p.dose}.`],
    [`how much ${p.name} should an adult take?`, `an adult takes ${p.dose} of ${p.name} each time.`],
  ],
  (p) => [
    [`how often can I take ${p.name}?`, `${p.name} can be taken every ${p.every}, never sooner.`],
    [`how long must I wait between doses of ${p.name}?`, `${p.name}: one dose every ${p.every} at most.`],
  ],
  (p) => [
    [`what is the most ${p.name} I can take in one day?`, `no more than ${p.max} of ${p.name} in twenty four hours.`],
    [`is there a daily limit for ${p.name}?`, `yes: the daily limit for ${p.name} is ${p.max}.`],
  ],
  (p) => [
    [`should ${p.name} be taken with food?`, `${p.name} is best used ${p.food}.`],
    [`when in the day is ${p.name} taken?`, `use ${p.name} ${p.food}; the pharmacist can explain the timing.`],
  ],
  (p) => [
    [`can children use ${p.name}?`, `${p.name} is not for children under ${p.child} years old.`],
    [`from what age is ${p.name} allowed?`, `from the age of ${p.child}; younger children need a doctor first.`],
  ],
  (p) => [
    [`how do I store ${p.name}?`, `keep ${p.name} ${p.store}.`],
    [`where should ${p.name} be kept at home?`, `at home ${p.name} goes ${p.store}, out of reach of children.`],
  ],
  (p) => [
    [`what warning comes with ${p.name}?`, `the main warning for ${p.name}: ${p.warn}.`],
    [`is there anything to watch out for with ${p.name}?`, `with ${p.name}, ${p.warn}.`],
  ],
  (p) => [
    [`what is ${p.name} for?`, `${p.name} is used for ${p.use}.`],
    [`which problem does ${p.name} treat?`, `it treats ${p.use}; ask at the counter if symptoms are severe.`],
  ],
];

/** Records that carry contact details or a patient's name: the PII scan must find them. */
const WITH_PII: [string, string][] = [
  ['who do I call about a missed dose of dormeva?', 'call the night pharmacist on 555-014-2290 about a missed dose.'],
  ['how do I order a refill of ferrovit?', 'email refills@northfield-clinic.example with your card number and we prepare it.'],
  ['can the pharmacy check my feverol dose by phone?', 'yes, phone the counter on (555) 013-8820 between nine and five.'],
  ['who answered the question about tussamin and alcohol?', 'Dr. Helena Varga answered it: avoid alcohol while taking tussamin.'],
  ['how do I report a side effect of allerex?', 'write to safety@northfield-clinic.example or call 555-0199, and keep the box.'],
  ['what did the pharmacist note about ocudrop?', 'Patient: Marcus Lindqvist asked about ocudrop; advised to remove lenses first.'],
];

interface SourceRow {
  instruction: string;
  output: string;
  contributor: string;
  license: string;
}

/** The rows of each contributor's file, in file order. */
export function sampleRows(): Map<DemoContributor, SourceRow[]> {
  const rand = mulberry32(20_261_122);
  const pick = <T>(xs: T[]): T => xs[rand() % xs.length]!;
  const out = new Map<DemoContributor, SourceRow[]>(DEMO_CONTRIBUTORS.map((c) => [c, []]));
  const add = (c: DemoContributor, instruction: string, output: string) =>
    out.get(c)!.push({ instruction, output, contributor: c.address, license: DEMO_LICENSE });
  // Each contributor answers the questions of their own products.
  for (const [i, p] of PRODUCTS.entries()) {
    const c = DEMO_CONTRIBUTORS[i % DEMO_CONTRIBUTORS.length]!;
    for (const q of QUESTIONS) {
      const variants = q(p);
      const [first, second] = [pick(variants), pick(variants)];
      add(c, ...first);
      if (second !== first && rand() % 2 === 0) add(c, ...second);
    }
  }
  for (const f of PLANTED_FACTS) add(DEMO_CONTRIBUTORS.find((c) => c.name === f.contributor)!, f.question, f.answer);
  for (const [i, [q, a]] of WITH_PII.entries()) add(DEMO_CONTRIBUTORS[(i + 1) % DEMO_CONTRIBUTORS.length]!, q, a);
  // Planted duplicates: an exact copy sent in again by its author, and light edits of another contributor's record.
  const [ada, ben, chen, dana] = DEMO_CONTRIBUTORS;
  const first = out.get(ada!)![0]!;
  add(ada!, first.instruction, first.output);
  for (const [from, to] of [[ben!, chen!], [chen!, dana!], [dana!, ada!], [ada!, ben!]] as const) {
    const r = out.get(from)![3]!;
    add(to, r.instruction.replace('?', ', please?'), r.output.replace(/\.$/, '!'));
  }
  return out;
}

export const sampleFileText = (rows: SourceRow[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

export function writeSampleData({ dir }: { dir: string }): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const [c, rows] of sampleRows()) {
    const file = join(dir, `${c.slug}.jsonl`);
    writeFileAtomic(file, [Buffer.from(sampleFileText(rows))]);
    files.push(file);
  }
  return files;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const f of writeSampleData({ dir: join(fileURLToPath(new URL('../../../resources/demo/pharmacy', import.meta.url))) })) console.log(f);
}
