/** Helpers to look at the words around a match (cues such as "DOB:" or "order #"). */

/** Up to n characters before index `at`. */
export function before(text: string, at: number, n: number): string {
  return text.slice(Math.max(0, at - n), at);
}

/** Up to n characters from index `at`. */
export function after(text: string, at: number, n: number): string {
  return text.slice(at, at + n);
}

/** Only ASCII digits of s. */
export function digitsOf(s: string): string {
  return s.replace(/\D+/g, '');
}

/**
 * True when `lead` (the text just before a number) ends in the start of an IBAN-like code printed in
 * groups ("NL09 TAJK "): the number is the rest of that code, not a phone or card number, even when
 * the code as a whole failed its check.
 */
export const CONTINUES_CODE = /\b[A-Z]{2}\d{2}(?: [A-Z0-9]{4}){0,6} $/;
