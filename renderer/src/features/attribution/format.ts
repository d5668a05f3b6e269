/** Basis points as a percentage with two decimals: 10,000 bps read as 100.00%. */
export const percentOfBps = (bps: number) => `${(bps / 100).toFixed(2)}%`;

export const shortAddress = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;

/** Scores are relative weights on different scales (span scores count tokens); about three significant digits each. */
export const formatScore = (x: number | null) => (x === null ? '—' : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(3));

export const formatMs = (ms: number | null) => (ms === null ? '—' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
