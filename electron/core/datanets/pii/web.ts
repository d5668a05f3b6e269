import type { Candidate } from './types';

// Scheme URLs, www. hosts, and bare host/path forms with a common top-level domain. Bounded throughout.
const URL_RE = /(?<![\w@.-])(?:(?:https?|ftp):\/\/[^\s<>"'()[\]{}]{1,2000}|www\.[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,6}(?:\/[^\s<>"'()[\]{}]{0,2000})?|[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,5}\.(?:com|org|net|edu|gov|io|health|clinic|law|info|biz|us|uk|ca|de|fr)\/[^\s<>"'()[\]{}]{1,2000})/g;

export function detectUrls(text: string, out: Candidate[]): void {
  if (!text.includes('/') && !text.includes('www.')) return;
  for (const m of text.matchAll(URL_RE)) {
    // A sentence's closing punctuation is not part of the address.
    const s = m[0].replace(/[.,;:!?]+$/, '');
    out.push({ kind: 'url', start: m.index, end: m.index + s.length, confidence: 0.95 });
  }
}
