/**
 * From per-record evidence to contributor shares. Each method's record scores are first
 * normalised to sum to 1 (so neither method dominates by its units), then mixed by the method
 * weights, summed per contributor and rounded to basis points that sum to exactly 10,000.
 */

export interface SpanEvidence {
  /** Tokens in the span. */
  length: number;
  records: { recordIndex: number; count: number }[];
}

/**
 * A span's credit is its length, split among the records it occurs in by occurrence count:
 * a long passage found in one record is strong evidence for that record; a phrase found in
 * many records says little about any one of them.
 */
export function spanRecordScores(spans: readonly SpanEvidence[]): Map<number, number> {
  const scores = new Map<number, number>();
  for (const s of spans) {
    const total = s.records.reduce((a, r) => a + r.count, 0);
    if (total === 0) continue;
    for (const r of s.records) scores.set(r.recordIndex, (scores.get(r.recordIndex) ?? 0) + (s.length * r.count) / total);
  }
  return scores;
}

/**
 * TracIn scores: positive ones are proponents (training on them lowered this answer's loss);
 * negative ones (opponents) earn nothing.
 */
export function influenceRecordScores(scores: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  scores.forEach((s, i) => {
    if (s > 0 && Number.isFinite(s)) out.set(i, s);
  });
  return out;
}

export function normalise(scores: Map<number, number>): Map<number, number> {
  const total = [...scores.values()].reduce((a, b) => a + b, 0);
  if (!(total > 0)) return new Map();
  return new Map([...scores].map(([k, v]) => [k, v / total]));
}

export interface MethodScores {
  method: string;
  weight: number;
  scores: Map<number, number>;
}

/** Weighted mix of normalised per-record scores; a method with no evidence gives its weight to the others. */
export function combineRecordScores(methods: readonly MethodScores[]): Map<number, number> {
  const active = methods.map((m) => ({ ...m, scores: normalise(m.scores) })).filter((m) => m.scores.size > 0 && m.weight > 0);
  const weightSum = active.reduce((a, m) => a + m.weight, 0);
  const combined = new Map<number, number>();
  for (const m of active) {
    for (const [k, v] of m.scores) combined.set(k, (combined.get(k) ?? 0) + (v * m.weight) / weightSum);
  }
  return combined;
}

export interface ContributorShare {
  contributor: string;
  bps: number;
  score: number;
}

/**
 * Per-contributor basis points by the largest-remainder method, so they sum to exactly 10,000;
 * ties in the remainder go to the lower address so the result is deterministic. Contributors
 * whose share rounds to zero are dropped. Empty when there is no evidence at all.
 */
export function contributorShares(recordScores: Map<number, number>, contributorOf: (recordIndex: number) => string): ContributorShare[] {
  const byContributor = new Map<string, number>();
  for (const [i, s] of recordScores) {
    if (!(s > 0)) continue;
    const c = contributorOf(i).toLowerCase();
    byContributor.set(c, (byContributor.get(c) ?? 0) + s);
  }
  const total = [...byContributor.values()].reduce((a, b) => a + b, 0);
  if (!(total > 0)) return [];
  const exact = [...byContributor].map(([contributor, score]) => ({ contributor, score, raw: (score / total) * 10_000 }));
  const shares = exact.map((e) => ({ ...e, bps: Math.floor(e.raw) }));
  let left = 10_000 - shares.reduce((a, s) => a + s.bps, 0);
  const order = [...shares].sort((a, b) => b.raw - b.bps - (a.raw - a.bps) || (a.contributor < b.contributor ? -1 : 1));
  for (const s of order) {
    if (left === 0) break;
    s.bps++;
    left--;
  }
  return shares
    .filter((s) => s.bps > 0)
    .sort((a, b) => b.bps - a.bps || (a.contributor < b.contributor ? -1 : 1))
    .map(({ contributor, bps, score }) => ({ contributor, bps, score }));
}
