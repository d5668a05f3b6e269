/**
 * Suffix array construction by induced sorting (SA-IS, Nong–Zhang–Chan 2009), following the
 * AtCoder Library's formulation. Why SA-IS: it is O(n) for an integer alphabet, so a token
 * vocabulary of 32k–256k symbols costs nothing extra (prefix doubling with radix sort is
 * O(n log n) with several full passes per doubling round, and comparison sorts degrade on the
 * long repeats real corpora have); and it runs on typed arrays only, so a shard of n tokens needs
 * about 4n (text) + 4n (result) + 1n (types) + 4n (LMS map) + 6n (LMS lists, recursion) bytes at
 * its peak, with no per-suffix objects for the garbage collector.
 */

/** Stages of the top-level call, for progress: the first induced sort, the recursion, the final one. */
export type SuffixArrayStage = 'lms-sorted' | 'reduced-solved' | 'done';

/**
 * The suffix array of `text` (values in [0, upper], upper < 2^31): the start positions of its suffixes in
 * lexicographic order, a shorter suffix before a longer one it prefixes.
 */
export function buildSuffixArray(text: Uint32Array | Int32Array, upper: number, onStage?: (stage: SuffixArrayStage) => void): Int32Array {
  // One element type through every level of the recursion keeps saIs monomorphic for V8.
  const s = text instanceof Int32Array ? text : new Int32Array(text.buffer, text.byteOffset, text.length);
  const sa = saIs(s, s.length, upper, onStage);
  onStage?.('done');
  return sa;
}

function naive(s: ArrayLike<number>, n: number): Int32Array {
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => {
    if (a === b) return 0;
    while (a < n && b < n) {
      if (s[a] !== s[b]) return s[a]! < s[b]! ? -1 : 1;
      a++;
      b++;
    }
    return a === n ? -1 : 1;
  });
  return Int32Array.from(idx);
}

function saIs(s: Int32Array, n: number, upper: number, onStage?: (stage: SuffixArrayStage) => void): Int32Array {
  if (n === 0) return new Int32Array(0);
  if (n === 1) return Int32Array.of(0);
  if (n === 2) return s[0]! < s[1]! ? Int32Array.of(0, 1) : Int32Array.of(1, 0);
  if (n < 10) return naive(s, n);

  const sa = new Int32Array(n);
  // ls[i] = 1 when suffix i is S-type (smaller than suffix i + 1).
  const ls = new Uint8Array(n);
  for (let i = n - 2; i >= 0; i--) ls[i] = s[i] === s[i + 1] ? ls[i + 1]! : s[i]! < s[i + 1]! ? 1 : 0;
  // Bucket starts: sumL[c] = first slot of c's L-type suffixes, sumS[c] = first slot of its S-type ones.
  const sumL = new Int32Array(upper + 2);
  const sumS = new Int32Array(upper + 2);
  for (let i = 0; i < n; i++) {
    if (!ls[i]) sumS[s[i]!]!++;
    else sumL[s[i]! + 1]!++;
  }
  for (let i = 0; i <= upper; i++) {
    sumS[i]! += sumL[i]!;
    if (i < upper) sumL[i + 1]! += sumS[i]!;
  }
  const buf = new Int32Array(upper + 2);

  const induce = (lms: Int32Array) => {
    sa.fill(-1);
    buf.set(sumS);
    for (let k = 0; k < lms.length; k++) {
      const d = lms[k]!;
      if (d === n) continue;
      sa[buf[s[d]!]!++] = d;
    }
    buf.set(sumL);
    sa[buf[s[n - 1]!]!++] = n - 1;
    for (let i = 0; i < n; i++) {
      const v = sa[i]!;
      if (v >= 1 && !ls[v - 1]) sa[buf[s[v - 1]!]!++] = v - 1;
    }
    buf.set(sumL);
    for (let i = n - 1; i >= 0; i--) {
      const v = sa[i]!;
      if (v >= 1 && ls[v - 1]) sa[--buf[s[v - 1]! + 1]!] = v - 1;
    }
  };

  let m = 0;
  for (let i = 1; i < n; i++) if (!ls[i - 1] && ls[i]) m++;
  const lms = new Int32Array(m);
  for (let i = 1, k = 0; i < n; i++) if (!ls[i - 1] && ls[i]) lms[k++] = i;

  induce(lms);
  onStage?.('lms-sorted');

  if (m) {
    const { sortedLms, recS, recUpper } = nameLmsSubstrings(s, n, sa, lms);
    const recSa = saIs(recS, m, recUpper);
    onStage?.('reduced-solved');
    for (let i = 0; i < m; i++) sortedLms[i] = lms[recSa[i]!]!;
    induce(sortedLms);
  } else {
    onStage?.('reduced-solved');
  }
  return sa;
}

/**
 * The reduced problem: each LMS suffix named by the rank of its LMS substring among distinct
 * ones. Its own function so the n-sized LMS map is garbage before the recursion allocates.
 */
function nameLmsSubstrings(s: Int32Array, n: number, sa: Int32Array, lms: Int32Array) {
  const m = lms.length;
  const lmsMap = new Int32Array(n + 1).fill(-1);
  for (let k = 0; k < m; k++) lmsMap[lms[k]!] = k;
  const sortedLms = new Int32Array(m);
  for (let i = 0, k = 0; i < n; i++) {
    const v = sa[i]!;
    if (v >= 0 && lmsMap[v] !== -1) sortedLms[k++] = v;
  }
  const recS = new Int32Array(m);
  let recUpper = 0;
  recS[lmsMap[sortedLms[0]!]!] = 0;
  for (let i = 1; i < m; i++) {
    let l = sortedLms[i - 1]!;
    let r = sortedLms[i]!;
    const endL = lmsMap[l]! + 1 < m ? lms[lmsMap[l]! + 1]! : n;
    const endR = lmsMap[r]! + 1 < m ? lms[lmsMap[r]! + 1]! : n;
    let same = true;
    if (endL - l !== endR - r) {
      same = false;
    } else {
      while (l < endL && s[l] === s[r]) {
        l++;
        r++;
      }
      if (l === n || r >= n || s[l] !== s[r]) same = false;
    }
    if (!same) recUpper++;
    recS[lmsMap[sortedLms[i]!]!] = recUpper;
  }
  return { sortedLms, recS, recUpper };
}
