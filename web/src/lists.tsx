/**
 * What the list pages share: filters kept in the address (so a filtered list can be linked,
 * reloaded and gone back to), a page of results loaded from the API with Previous/Next, the
 * loading, error and empty states, the table, and the filter bar's controls.
 */
import { useState, type ReactNode } from 'react';
import { api, type QueryValue } from './api.js';
import { Empty, ErrorBanner, Field, Loading, SelectField, useAsync, type Async, type SelectOption } from './components.js';
import { navigate, useLocation } from './router.js';
import type { Page } from './types.js';

// ---- Filters in the address ----

export interface UrlFilters {
  /** The filters as API query parameters; a key given more than once becomes a list. */
  query: Record<string, QueryValue>;
  /** One filter's value (its first, or its default), '' when unset. */
  value: (key: string) => string;
  /** Changes filters in place (the address is replaced, not pushed); '' or null removes one. */
  set: (changes: Record<string, string | null>) => void;
}

/** The filters `keys` of the list at `path`, read from and written to the address's query string. */
export function useUrlFilters(path: string, keys: readonly string[], defaults: Record<string, string> = {}): UrlFilters {
  const { search } = useLocation();
  const query: Record<string, QueryValue> = {};
  for (const key of keys) {
    const all = search.getAll(key);
    if (all.length > 1) query[key] = all;
    else if (all.length === 1) query[key] = all[0];
    else if (defaults[key] !== undefined) query[key] = defaults[key];
  }
  return {
    query,
    value: (key) => search.get(key) ?? defaults[key] ?? '',
    set: (changes) => {
      const next = new URLSearchParams(search);
      for (const [key, value] of Object.entries(changes)) {
        if (value) next.set(key, value);
        else next.delete(key);
      }
      const text = next.toString();
      navigate(`${path}${text ? `?${text}` : ''}`, { replace: true });
    },
  };
}

// ---- A paged list ----

export interface Pager {
  hasPrevious: boolean;
  hasNext: boolean;
  previous: () => void;
  next: () => void;
}

export interface PagedList<T> extends Async<Page<T>> {
  items: T[];
  pager: Pager;
}

/** Loads one page: `query` holds the filters and the cursor. */
export type PageLoader<T> = (query: Record<string, QueryValue>, signal: AbortSignal) => Promise<Page<T>>;

/**
 * A page of `source` (an API path, or a loader) for `query`, with the cursors to go back and forth.
 * The cursors belong to one query: another query (a changed filter) starts again at its first page.
 * `refreshKey` reloads the page when it changes.
 */
export function usePagedList<T>(source: string | PageLoader<T>, query: Record<string, QueryValue>, refreshKey?: unknown): PagedList<T> {
  const key = `${typeof source === 'string' ? source : ''}?${JSON.stringify(query)}`;
  const [paging, setPaging] = useState<{ key: string; cursors: string[] }>({ key, cursors: [] });
  const cursors = paging.key === key ? paging.cursors : [];
  const cursor = cursors[cursors.length - 1] ?? null;
  const load: PageLoader<T> = typeof source === 'string' ? (q, signal) => api.get<Page<T>>(source, q, signal) : source;
  const state = useAsync((signal) => load({ ...query, cursor }, signal), [key, cursor, refreshKey]);
  const nextCursor = state.data?.nextCursor ?? null;
  return {
    ...state,
    items: state.data?.items ?? [],
    pager: {
      hasPrevious: cursors.length > 0,
      hasNext: nextCursor !== null,
      previous: () => setPaging({ key, cursors: cursors.slice(0, -1) }),
      next: () => {
        if (nextCursor) setPaging({ key, cursors: [...cursors, nextCursor] });
      },
    },
  };
}

/** Previous and Next, once there is more than one page. */
export function PagerButtons({ pager, previous = 'Previous', next = 'Next' }: { pager: Pager; previous?: string; next?: string }) {
  if (!pager.hasPrevious && !pager.hasNext) return null;
  return (
    <div className="pager">
      <button type="button" className="btn btn-small" disabled={!pager.hasPrevious} onClick={pager.previous}>
        {previous}
      </button>
      <button type="button" className="btn btn-small" disabled={!pager.hasNext} onClick={pager.next}>
        {next}
      </button>
    </div>
  );
}

/**
 * A list's states: its error (with Retry), a spinner until the first answer, `empty` when there is
 * nothing, else `children` with the items; then the pager, for a paged list.
 */
export function ListBody<T>({
  list,
  loading,
  empty,
  previous,
  next,
  children,
}: {
  list: Pick<Async<unknown>, 'data' | 'error' | 'reload'> & { items: T[]; pager?: Pager };
  loading?: string;
  empty: ReactNode;
  /** The pager's labels, when not Previous and Next. */
  previous?: string;
  next?: string;
  children: (items: T[]) => ReactNode;
}) {
  return (
    <>
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.data === undefined ? !list.error && <Loading label={loading} /> : list.items.length === 0 ? <Empty>{empty}</Empty> : children(list.items)}
      {list.pager && <PagerButtons pager={list.pager} previous={previous} next={next} />}
    </>
  );
}

// ---- Tables ----

export interface Column<T> {
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** This column names the row: its cells are row headers. */
  rowHeader?: boolean;
  className?: string | ((row: T) => string | undefined);
  /** Right-aligned numbers, header included. */
  num?: boolean;
  /** The sort key this column sorts by (`key` ascending, `-key` descending), when the table is sortable. */
  sort?: string;
}

/** A sortable table's current sort (`key` or `-key`) and how to change it. */
export interface TableSort {
  value: string;
  onChange: (sort: string) => void;
}

/** A column header that sorts: ascending first, then descending; aria-sort says which. */
function SortableHeader<T>({ column, sort }: { column: Column<T> & { sort: string }; sort: TableSort }) {
  const state = sort.value === column.sort ? 'ascending' : sort.value === `-${column.sort}` ? 'descending' : 'none';
  return (
    <th scope="col" className={column.num ? 'num' : undefined} aria-sort={state}>
      <button type="button" className="sort-btn" onClick={() => sort.onChange(state === 'ascending' ? `-${column.sort}` : column.sort)}>
        {column.header}
        <span aria-hidden="true" className="sort-icon">
          {state === 'ascending' ? '▲' : state === 'descending' ? '▼' : '↕'}
        </span>
      </button>
    </th>
  );
}

/** A table of rows; a column given as `false` is left out (a column shown only sometimes). */
export function DataTable<T>({
  rows,
  columns,
  rowKey,
  rowClassName,
  className,
  testId,
  caption,
  sort,
}: {
  rows: readonly T[];
  columns: ReadonlyArray<Column<T> | false>;
  rowKey: (row: T, index: number) => string;
  rowClassName?: (row: T) => string | undefined;
  className?: string;
  testId?: string;
  caption?: string;
  /** Makes the columns that name a `sort` key sortable. */
  sort?: TableSort;
}) {
  const shown = columns.filter((c): c is Column<T> => c !== false);
  const classOf = (c: Column<T>, row: T) => [c.num ? 'num' : undefined, typeof c.className === 'function' ? c.className(row) : c.className].filter(Boolean).join(' ') || undefined;
  return (
    <div className="table-wrap">
      <table className={className ? `table ${className}` : 'table'} data-testid={testId}>
        {caption && <caption className="sr-only">{caption}</caption>}
        <thead>
          <tr>
            {shown.map((c, i) =>
              sort && c.sort ? (
                <SortableHeader key={i} column={c as Column<T> & { sort: string }} sort={sort} />
              ) : (
                <th key={i} scope="col" className={c.num ? 'num' : undefined}>
                  {c.header}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={rowKey(row, index)} className={rowClassName?.(row)}>
              {shown.map((c, i) =>
                c.rowHeader ? (
                  <th key={i} scope="row" className={classOf(c, row)}>
                    {c.cell(row)}
                  </th>
                ) : (
                  <td key={i} className={classOf(c, row)}>
                    {c.cell(row)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// ---- The filter bar ----

/** The filter controls above a list; they apply as they change, so the form never submits. */
export function FilterBar({ label, children }: { label: string; children: ReactNode }) {
  return (
    <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label={label}>
      <div className="filters-row">{children}</div>
    </form>
  );
}

/** A select bound to one filter; `all` names the empty choice. */
export function FilterSelect({ filters, name, label, options, all }: { filters: UrlFilters; name: string; label: string; options: readonly SelectOption[]; all?: string }) {
  return <SelectField label={label} value={filters.value(name)} onChange={(value) => filters.set({ [name]: value })} options={options} placeholder={all} />;
}

/** A search box bound to one filter: it applies on Enter or when focus leaves it, not on every key. */
export function FilterSearch({ filters, name = 'q', label = 'Search', placeholder }: { filters: UrlFilters; name?: string; label?: string; placeholder?: string }) {
  return (
    <Field label={label}>
      {(props) => (
        <input
          {...props}
          // Keyed by the filter, so a value set elsewhere (a saved view, going back) shows here too.
          key={filters.value(name)}
          type="search"
          defaultValue={filters.value(name)}
          placeholder={placeholder}
          onKeyDown={(e) => e.key === 'Enter' && filters.set({ [name]: e.currentTarget.value })}
          onBlur={(e) => filters.set({ [name]: e.target.value })}
        />
      )}
    </Field>
  );
}

/** A checkbox bound to a true/absent filter. */
export function FilterCheck({ filters, name, label }: { filters: UrlFilters; name: string; label: string }) {
  return (
    <label className="check">
      <input type="checkbox" checked={filters.value(name) === 'true'} onChange={(e) => filters.set({ [name]: e.target.checked ? 'true' : null })} /> {label}
    </label>
  );
}

/** The vendors to choose from in a filter or a form, by name (the first 200). */
export function useVendorOptions(): Array<{ id: string; name: string }> {
  const vendors = useAsync((signal) => api.get<Page<{ id: string; name: string }>>('/api/v1/vendors', { limit: 200, sort: 'name' }, signal), []);
  return vendors.data?.items ?? [];
}
