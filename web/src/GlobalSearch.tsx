import { useEffect, useId, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { api } from './api.js';
import { navigate } from './router.js';
import type { SearchAnswer, SearchResult } from './types.js';

export const KIND_LABELS: Record<SearchResult['kind'], string> = {
  vendor: 'Vendors',
  product: 'Products',
  release: 'Releases',
  component: 'Components',
  advisory: 'Advisories',
  hash: 'File hashes',
  indicator: 'Indicators',
};

/** Where "see all" and "who uses" lead for a query. */
export const searchPath = (q: string) => `/search?${new URLSearchParams({ q })}`;
export const whoUsesPath = (q: string) => `/components?${new URLSearchParams(q.startsWith('pkg:') ? { purl: q } : { name: q })}`;

interface Option {
  key: string;
  path: string;
  title: string;
  subtitle?: string;
}

/**
 * The header's one search box: what it finds as you type, grouped by kind (GET /api/v1/search),
 * as an ARIA combobox: arrows move through the results, Enter opens the highlighted one (or every
 * result, on the search page, when none is), Escape closes the list; each result is a link.
 */
export function GlobalSearch() {
  const [text, setText] = useState('');
  const [answer, setAnswer] = useState<SearchAnswer | null>(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [failed, setFailed] = useState(false);
  const listId = useId();
  const input = useRef<HTMLInputElement>(null);
  const q = text.trim();

  useEffect(() => {
    if (!q) {
      setAnswer(null);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.get<SearchAnswer>('/api/v1/search', { q, limit: 5 }, controller.signal).then(
        (found) => {
          setAnswer(found);
          setFailed(false);
          setActive(-1);
        },
        (error: unknown) => {
          if ((error as Error).name !== 'AbortError') setFailed(true);
        },
      );
    }, 150);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [q]);

  const current = answer && answer.q === q ? answer : null;
  const groups = current?.groups ?? [];
  const options: Option[] = groups.flatMap((g) => g.items.map((item) => ({ key: `${item.kind}:${item.id}`, path: item.path, title: item.title, subtitle: item.subtitle })));
  const actions: Option[] = q
    ? [
        { key: 'all', path: searchPath(q), title: `See all results for “${q}”` },
        ...(current && (current.shape === 'text' || current.shape === 'purl') ? [{ key: 'who-uses', path: whoUsesPath(q), title: `Who uses “${q}”` }] : []),
      ]
    : [];
  const all = [...options, ...actions];
  const shown = open && !!q;
  const optionId = (i: number) => `${listId}-o${i}`;

  const go = (path: string) => {
    setOpen(false);
    setActive(-1);
    setText('');
    input.current?.blur();
    navigate(path);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setOpen(true);
      if (!all.length) return;
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((i) => (i < 0 && step < 0 ? all.length - 1 : (i + step + all.length) % all.length));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      if (!q) return;
      go(shown && active >= 0 && all[active] ? all[active].path : searchPath(q));
    } else if (event.key === 'Escape') {
      if (shown) {
        event.preventDefault();
        setOpen(false);
        setActive(-1);
      } else setText('');
    }
  };

  // Links open their page with one click; the mousedown must not blur the box first, which closes the list.
  const onPick = (event: MouseEvent<HTMLAnchorElement>, path: string) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    go(path);
  };

  let index = 0;
  const renderOption = (o: Option) => {
    const i = index++;
    return (
      <li key={o.key} id={optionId(i)} role="option" aria-selected={i === active} className={i === active ? 'active' : undefined}>
        <a href={o.path} tabIndex={-1} onMouseDown={(e) => e.preventDefault()} onClick={(e) => onPick(e, o.path)} onMouseEnter={() => setActive(i)}>
          <span className="gs-title">{o.title}</span>
          {o.subtitle && <span className="gs-subtitle">{o.subtitle}</span>}
        </a>
      </li>
    );
  };

  return (
    <div className="who-uses global-search" role="search" aria-label="Global search">
      <label htmlFor={`${listId}-q`} className="sr-only">
        Search everything
      </label>
      <input
        ref={input}
        id={`${listId}-q`}
        type="text"
        role="combobox"
        aria-expanded={shown}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={shown && active >= 0 ? optionId(active) : undefined}
        autoComplete="off"
        spellCheck={false}
        placeholder="Search vendors, components, CVEs, hashes…"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      {shown && (
        <div className="gs-panel">
          <ul id={listId} role="listbox" aria-label={`Results for ${q}`}>
            {groups.map((g) => (
              <li key={g.kind} role="presentation">
                <div className="gs-kind" id={`${listId}-${g.kind}`} aria-hidden="true">
                  {KIND_LABELS[g.kind]}
                </div>
                <ul role="group" aria-labelledby={`${listId}-${g.kind}`}>
                  {g.items.map((item) => renderOption({ key: `${item.kind}:${item.id}`, path: item.path, title: item.title, subtitle: item.subtitle }))}
                </ul>
              </li>
            ))}
            {actions.map(renderOption)}
          </ul>
          <p className="gs-status" role="status">
            {failed ? 'Search failed; try again.' : !current ? 'Searching…' : groups.length ? '' : `Nothing found for “${q}”.`}
          </p>
        </div>
      )}
    </div>
  );
}
