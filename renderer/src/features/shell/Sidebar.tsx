import { useApp } from '../../store/app';
import { useRoute } from '../../store/route';
import { sectionsFor } from '../team/access';
import { SECTION_ICONS } from './icons';

/** The left navigation, in the order of the spine: data → model → answers → rewards. */
export function Sidebar() {
  const { route, go } = useRoute();
  const caller = useApp((s) => s.caller);
  return (
    <nav className="sidebar" aria-label="Sections">
      <div className="brand">
        <span className="brand-mark" aria-hidden>
          ◆
        </span>
        Datanet Studio
      </div>
      <ul>
        {sectionsFor(caller).map((s) => {
          const Icon = SECTION_ICONS[s.id];
          const active = route.section === s.id;
          return (
            <li key={s.id}>
              <a
                href={`#/${s.id}`}
                className={`nav-item${active ? ' active' : ''}${s.available ? '' : ' unavailable'}`}
                aria-current={active ? 'page' : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  go({ section: s.id });
                }}
              >
                <Icon size={16} aria-hidden />
                <span>{s.label}</span>
                {s.available ? null : <span className="soon">soon</span>}
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
