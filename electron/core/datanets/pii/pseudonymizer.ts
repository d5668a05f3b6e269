import { createHmac } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import type { PiiKind } from './types';

// Fixed lists, so a pseudonym reads like a name; drawn by HMAC, so the same name always maps to
// the same pseudonym under one key and nobody without the key can reverse or predict it.
const FIRST_NAMES = ['Alex', 'Bailey', 'Casey', 'Dana', 'Eden', 'Finley', 'Gray', 'Harper', 'Indigo', 'Jordan', 'Kai', 'Lane', 'Morgan', 'Noel', 'Oakley', 'Parker', 'Quinn', 'Reese', 'Sage', 'Taylor', 'Umber', 'Vale', 'Winter', 'Xen', 'Yael', 'Zephyr', 'Arden', 'Blair', 'Corey', 'Devon', 'Ellis', 'Frankie'];
const LAST_NAMES = ['Ashdown', 'Birchfield', 'Coldwater', 'Dunmore', 'Elmsworth', 'Fairbanks', 'Glenrose', 'Hollowell', 'Ivybridge', 'Juniper', 'Kestrel', 'Larkspur', 'Marlowe', 'Northcott', 'Oakhurst', 'Pemberly', 'Quarry', 'Redfern', 'Stillwater', 'Thornbury', 'Underhill', 'Valemont', 'Westbrook', 'Yarrow', 'Ashgrove', 'Brightwater', 'Copperfield', 'Deepdale', 'Eastwood', 'Foxley', 'Greystone', 'Hawthorne'];
const FIRST = new Set(FIRST_NAMES);
const LAST = new Set(LAST_NAMES);
const STREETS = ['Example', 'Sample', 'Placeholder', 'Specimen', 'Fictional', 'Testing'];

/**
 * Synthetic values this pseudonymizer produces, recognised so that pseudonymizing an already
 * pseudonymized text leaves it alone (redact is then idempotent in pseudonym mode too).
 */
function isSynthetic(kind: PiiKind, value: string): boolean {
  switch (kind) {
    case 'email':
      return /@example\.invalid$/i.test(value);
    case 'phone':
      return /^\+1-202-555-01\d\d$/.test(value);
    case 'ip_address':
      return /^203\.0\.113\.\d{1,3}$/.test(value) || /^2001:db8:/i.test(value);
    case 'date_of_birth':
      return /^1900-\d\d-\d\d$/.test(value);
    case 'mrn':
      return /^SYN-\d{6}$/.test(value);
    case 'street_address':
      return new RegExp(`^\\d{1,4} (?:${STREETS.join('|')}) Street$`).test(value);
    case 'person_name': {
      const words = value.split(' ');
      return words.every((w, i) => (i === words.length - 1 ? LAST.has(w) : FIRST.has(w)));
    }
    case 'date':
      return /^01\/01\/1900$/.test(value);
    case 'age':
      return value === '90';
    case 'location':
      return /^(?:Sampletown|00000)$/.test(value);
    case 'url':
      return /^https:\/\/example\.invalid\//.test(value);
    case 'account_number':
    case 'license_number':
    case 'case_number':
    case 'vehicle_id':
    case 'device_id':
    case 'biometric':
      return /^SYN-[A-Z]{2,4}-\d{6}$/.test(value);
    default:
      // Synthetic national ids (9xx area), cards (leading 0) and IBANs (country XX) are never detected.
      return false;
  }
}

/** Canonical form of an original, so cosmetic variants ("555 123 4567" / "555-123-4567") share a pseudonym. */
function canonical(kind: PiiKind, value: string): string {
  switch (kind) {
    case 'phone':
    case 'credit_card':
    case 'national_id':
      return value.replace(/[^0-9A-Za-z]/g, '').toUpperCase();
    case 'iban':
      return value.replace(/\s/g, '').toUpperCase();
    case 'email':
    case 'ip_address':
      return value.toLowerCase();
    default:
      return value.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
  }
}

/**
 * Consistent, obviously synthetic replacements: the same original (of the same kind) always gets
 * the same pseudonym under the same key, e.g. per workspace. HMAC-SHA256 keyed with a secret, so
 * pseudonyms cannot be matched back to originals by hashing guesses.
 */
export class Pseudonymizer {
  private readonly key: Buffer;
  private readonly cache = new Map<string, string>();
  private static readonly CACHE_LIMIT = 100_000;

  constructor(secretKey: string | Uint8Array) {
    this.key = typeof secretKey === 'string' ? Buffer.from(secretKey, 'utf8') : Buffer.from(secretKey);
    if (this.key.length < 16) throw new AppError('BAD_INPUT', 'The pseudonymization key must be at least 16 bytes long.');
  }

  pseudonym(kind: PiiKind, original: string): string {
    if (isSynthetic(kind, original)) return original;
    const id = `${kind}\u0000${canonical(kind, original)}`;
    const hit = this.cache.get(id);
    if (hit !== undefined) return hit;
    const digest = createHmac('sha256', this.key).update(id).digest();
    const value = generate(kind, digest, original);
    if (this.cache.size >= Pseudonymizer.CACHE_LIMIT) this.cache.clear();
    this.cache.set(id, value);
    return value;
  }
}

function digits(digest: Buffer, offset: number, count: number): string {
  let s = '';
  for (let i = 0; i < count; i++) s += String(digest[(offset + i) % digest.length]! % 10);
  return s;
}

const SYN_TAG = { account_number: 'AC', license_number: 'LIC', case_number: 'CASE', vehicle_id: 'VEH', device_id: 'DEV', biometric: 'BIO' } as const;

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function generate(kind: PiiKind, d: Buffer, original: string): string {
  const u32 = d.readUInt32BE(0);
  switch (kind) {
    case 'email':
      return `user-${d.toString('hex', 0, 3)}@example.invalid`;
    case 'phone':
      // 555-0100..0199 is reserved for fiction in every North American area code.
      return `+1-202-555-01${pad2(u32 % 100)}`;
    case 'national_id':
      // Area 900-999 is never issued: looks like an SSN, is not one (and is not detected as one).
      return `9${digits(d, 4, 2)}-${digits(d, 6, 2)}-${digits(d, 8, 4)}`;
    case 'credit_card':
      // No card number starts with 0.
      return `0000 ${digits(d, 4, 4)} ${digits(d, 8, 4)} ${digits(d, 12, 4)}`;
    case 'iban':
      // XX is no country: never a valid IBAN.
      return `XX00 SYNT ${digits(d, 4, 4)} ${digits(d, 8, 4)}`;
    case 'ip_address':
      return original.includes(':') ? `2001:db8::${d.toString('hex', 4, 6)}` : `203.0.113.${1 + (u32 % 254)}`;
    case 'date_of_birth':
      return `1900-${pad2(1 + (d[4]! % 12))}-${pad2(1 + (d[5]! % 28))}`;
    case 'mrn':
      return `SYN-${digits(d, 4, 6)}`;
    case 'street_address':
      return `${1 + (u32 % 999)} ${STREETS[d[4]! % STREETS.length]} Street`;
    case 'date':
      // Safe Harbor keeps the year at most; a fixed synthetic date keeps none of the original.
      return '01/01/1900';
    case 'age':
      // Ages over 89 are reported as one group: "90 or older".
      return '90';
    case 'location':
      return /^\d/.test(original) ? '00000' : 'Sampletown';
    case 'url':
      return `https://example.invalid/${d.toString('hex', 0, 3)}`;
    case 'account_number':
    case 'license_number':
    case 'case_number':
    case 'vehicle_id':
    case 'device_id':
    case 'biometric':
      return `SYN-${SYN_TAG[kind]}-${digits(d, 4, 6)}`;
    case 'person_name': {
      const last = LAST_NAMES[d[5]! % LAST_NAMES.length]!;
      // Keep the shape: a lone surname after a title stays one word.
      return original.trim().includes(' ') ? `${FIRST_NAMES[d[4]! % FIRST_NAMES.length]} ${last}` : last;
    }
  }
}
