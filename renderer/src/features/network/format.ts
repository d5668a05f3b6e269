const DECIMALS = 18n;

/** Base units (18 decimals, as the contract carries them) in whole tokens: "1000000000000000000" → "1". */
export function formatTokens(units: string, maxDecimals = 4): string {
  const v = BigInt(units);
  const scale = 10n ** DECIMALS;
  const whole = v / scale;
  const frac = (v % scale).toString().padStart(Number(DECIMALS), '0').slice(0, maxDecimals).replace(/0+$/, '');
  const wholeText = whole.toLocaleString('en-US');
  // A non-zero amount below the shown precision must not read as 0.
  if (!frac && whole === 0n && v > 0n) return `<0.${'0'.repeat(maxDecimals - 1)}1`;
  return frac ? `${wholeText}.${frac}` : wholeText;
}

/** A decimal token amount as chain.balances gives it ("12.5"), shortened for display. */
export function formatDecimal(amount: string, maxDecimals = 4): string {
  const [whole, frac = ''] = amount.split('.');
  const kept = frac.slice(0, maxDecimals).replace(/0+$/, '');
  return kept ? `${whole}.${kept}` : whole!;
}
