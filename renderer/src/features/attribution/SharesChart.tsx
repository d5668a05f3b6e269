import type { Attribution } from '../../../../electron/shared/attribution';
import { percentOfBps, shortAddress } from './format';

/** Contributor shares as horizontal bars, largest first; the bars are the receipt's basis points. */
export function SharesChart({ shares }: { shares: Attribution['shares'] }) {
  if (shares.length === 0) return <div className="muted small">No contributor is credited: nothing in this answer was traced to the data.</div>;
  const sorted = [...shares].sort((a, b) => b.bps - a.bps);
  return (
    <ul className="shares" aria-label="Contributor shares" data-testid="shares">
      {sorted.map((s) => (
        <li key={s.contributor} className="share-row">
          <span className="mono share-who" title={s.contributor}>
            {shortAddress(s.contributor)}
          </span>
          <span className="share-bar" aria-hidden>
            <span className="share-fill" style={{ width: `${s.bps / 100}%` }} />
          </span>
          <span className="num share-pct" data-testid="share-percent">
            {percentOfBps(s.bps)}
          </span>
        </li>
      ))}
    </ul>
  );
}
