import { useCallback, useEffect, useId, useRef, useState, type DragEvent, type ReactNode, type RefObject } from 'react';
import { describeError, isTransient } from './api.js';
import { TIER_LABEL, type Tier } from './types.js';
import { formatDate, formatScore, relativeDays } from './format.js';

// ---- Data loading ----

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  setData: (data: T) => void;
}

/** Runs `load` whenever `deps` change; the latest call wins, earlier answers are dropped. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: null, loading: true });
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, error: null, loading: false });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
    return () => controller.abort();
  }, [...deps, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const setData = useCallback((data: T) => setState({ data, error: null, loading: false }), []);
  return { ...state, reload, setData };
}

// ---- Badges ----

/** A provisional tier (risk factors unanswered) is shown as such, never in the colours of a settled tier. */
export function TierBadge({ tier, long = false, provisional = false }: { tier: string; long?: boolean; provisional?: boolean }) {
  const label = TIER_LABEL[tier as Tier] ?? '';
  if (provisional) {
    return (
      <span className="tier tier-provisional" title={`Provisional: risk factors are not answered yet, so the vendor is treated as at least T2 (now ${tier})`}>
        {tier}
        <span className="tier-label">· provisional</span>
      </span>
    );
  }
  return (
    <span className={`tier tier-${tier.toLowerCase()}`} title={`Tier ${tier.slice(1)}: ${label.toLowerCase()}`}>
      {tier}
      {long && label ? <span className="tier-label">· {label}</span> : <span className="sr-only"> ({label.toLowerCase()})</span>}
    </span>
  );
}

export function StatusPill({ status }: { status: string }) {
  return <span className={`status status-${status}`}>{status}</span>;
}

export function Tag({ children }: { children: ReactNode }) {
  return <span className="tag">{children}</span>;
}

/** Score as a number with a thin bar (0–100), coloured by the vendor's tier. */
export function ScoreMeter({ score, tier }: { score: number; tier: string }) {
  return (
    <span className="score">
      <span className="score-num">{formatScore(score)}</span>
      <span className="score-track" aria-hidden="true">
        <span className={`score-fill fill-${tier.toLowerCase()}`} style={{ width: `${Math.max(0, Math.min(100, score))}%` }} />
      </span>
    </span>
  );
}

/** A next-review date; none for a vendor that is no longer reviewed (terminated). */
export function ReviewDate({ iso, overdue }: { iso: string | null; overdue: boolean }) {
  if (!iso) return <span className="muted" title="Not reviewed: the vendor is terminated">—</span>;
  return (
    <span className={overdue ? 'due overdue' : 'due'}>
      <time dateTime={iso}>{formatDate(iso)}</time>
      {overdue ? <span className="overdue-tag">Overdue</span> : <span className="muted"> {relativeDays(iso)}</span>}
    </span>
  );
}

/** Puts text on the clipboard, falling back to a selection copy outside secure contexts. */
async function copyText(value: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(value);
  const area = document.createElement('textarea');
  area.value = value;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy refused');
}

/** A form's primary submit button: reads "Saving…" and stays disabled while the save is in flight. */
export function SubmitButton({ busy, label, disabled = false, small = false }: { busy: boolean; label: string; disabled?: boolean; small?: boolean }) {
  return (
    <button type="submit" className={small ? 'btn btn-primary btn-small' : 'btn btn-primary'} disabled={busy || disabled} aria-busy={busy}>
      {busy ? 'Saving…' : label}
    </button>
  );
}

/** Copies a whole value; says whether it worked (and to select it by hand when it did not). */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = () => copyText(value).then(() => setCopied('yes'), () => setCopied('failed'));
  return (
    <button type="button" className="btn btn-small btn-copy" aria-label={`Copy ${label}`} onClick={() => void copy()}>
      {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Select it' : 'Copy'}
    </button>
  );
}

/** A value shown whole in monospace (wrapping anywhere), with Copy; `children` (a link to it, say) stands for the text. */
export function CopyableValue({ value, label, children }: { value: string; label: string; children?: ReactNode }) {
  return (
    <span className="copyable">
      <code className="mono-wrap">{children ?? value}</code>
      <CopyButton value={value} label={label} />
    </span>
  );
}

/** A digest shown short (12 characters) but never lost: pressing it shows the whole value, and Copy puts the whole value on the clipboard. */
export function HashValue({ value, label }: { value: string; label: string }) {
  const [full, setFull] = useState(false);
  return (
    <span className="hash-value">
      <button type="button" className="hash-text" aria-expanded={full} aria-label={`${label}: ${full ? 'show short' : 'show in full'}`} title={value} onClick={() => setFull((f) => !f)}>
        <code data-testid="hash">{full ? value : `${value.slice(0, 12)}…`}</code>
      </button>
      <CopyButton value={value} label={label} />
    </span>
  );
}

// ---- Feedback ----

/** An error; Retry is offered only when trying again can help (not for a 404 or a bad link). */
export function ErrorBanner({ error, onRetry: retry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  const onRetry = retry && isTransient(error) ? retry : undefined;
  return (
    <div className={`banner banner-error${onRetry ? ' banner-action' : ''}`} role="alert">
      <span>{describeError(error)}</span>
      {onRetry && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** What a page shows until its own record has loaded: a spinner, or the error under the way back (`crumbs`). */
export function PageStatus({ state, crumbs, label }: { state: Pick<Async<unknown>, 'error' | 'reload'>; crumbs?: ReactNode; label?: string }) {
  return (
    <div className="page">
      {state.error ? (
        <>
          {crumbs && <p className="crumbs">{crumbs}</p>}
          <ErrorBanner error={state.error} onRetry={state.reload} />
        </>
      ) : (
        <Loading label={label} />
      )}
    </div>
  );
}

/** One label and value of a record's details (a row of a `dl.dl`). */
export function DetailRow({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="dl-row">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

// ---- Forms ----

export interface ControlProps {
  id: string;
  'aria-invalid': boolean | undefined;
  'aria-describedby': string | undefined;
  required?: boolean;
}

/** A labelled control with an optional hint and an inline error tied to it by aria-describedby. */
export function Field({
  label,
  error,
  hint,
  required,
  className,
  children,
}: {
  label: ReactNode;
  error?: string;
  hint?: ReactNode;
  required?: boolean;
  className?: string;
  children: (props: ControlProps) => ReactNode;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' has-error' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>
        {label}
        {required && (
          <span className="req" aria-hidden="true">
            {' '}
            *
          </span>
        )}
      </label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy, required })}
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}

export type SelectOption = string | readonly [value: string, label: ReactNode];

/**
 * A labelled select. Options are values (shown as they are) or [value, label] pairs; `placeholder`
 * is a first option with the empty value (all, none, not answered…).
 */
export function SelectField({
  label,
  value,
  onChange,
  options,
  placeholder,
  error,
  hint,
  name,
  disabled,
}: {
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  options: readonly SelectOption[];
  placeholder?: ReactNode;
  error?: string;
  hint?: ReactNode;
  name?: string;
  disabled?: boolean;
}) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(props) => (
        <select {...props} name={name} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)}>
          {placeholder !== undefined && <option value="">{placeholder}</option>}
          {options.map((option) => {
            const [v, text] = typeof option === 'string' ? [option, option] : option;
            return (
              <option key={v} value={v}>
                {text}
              </option>
            );
          })}
        </select>
      )}
    </Field>
  );
}

/** Checkbox group as a fieldset so the legend names every box; the error sits under the legend. */
export function CheckboxGroup<T extends string>({
  legend,
  options,
  value,
  onChange,
  error,
  labels,
  className,
  name,
}: {
  legend: string;
  name?: string;
  options: readonly T[];
  value: readonly T[];
  onChange: (value: T[]) => void;
  error?: string;
  labels?: Partial<Record<T, ReactNode>>;
  className?: string;
}) {
  const id = useId();
  return (
    <fieldset className={`checks${error ? ' has-error' : ''}${className ? ` ${className}` : ''}`} aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{legend}</legend>
      <div className="checks-row">
        {options.map((option) => (
          <label key={option} className="check">
            <input
              type="checkbox"
              name={name}
              value={option}
              checked={value.includes(option)}
              onChange={(e) => onChange(e.target.checked ? [...value, option] : value.filter((v) => v !== option))}
            />
            {labels?.[option] ?? option}
          </label>
        ))}
      </div>
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </fieldset>
  );
}

/**
 * The list of problems above a form, announced to screen readers. With `onSelect`, each entry is a
 * link-styled button that moves focus to its field.
 */
export function ErrorSummary({
  errors,
  labels,
  onSelect,
  title = 'Please correct the highlighted fields',
}: {
  errors: Record<string, string>;
  labels: Record<string, string>;
  onSelect?: (key: string) => void;
  title?: string;
}) {
  const entries = Object.entries(errors);
  return (
    <div aria-live="assertive" className="summary-slot">
      {entries.length > 0 && (
        <div className="banner banner-error summary" role="alert">
          <strong>{title}</strong>
          <ul>
            {entries.map(([key, message]) => (
              <li key={key}>
                {onSelect && labels[key] ? (
                  <button type="button" className="link-btn" onClick={() => onSelect(key)}>
                    {labels[key]}
                  </button>
                ) : (
                  labels[key]
                )}
                {labels[key] ? ': ' : ''}
                {message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

// ---- Files ----

/** Dropping a file on an element: the handlers and class to give it (`dropzone`, `dragging` while a file is over it). */
export function useFileDrop(onFile: (file: File | undefined) => void) {
  const [dragging, setDragging] = useState(false);
  return {
    className: `dropzone${dragging ? ' dragging' : ''}`,
    handlers: {
      onDragOver: (event: DragEvent<HTMLElement>) => {
        event.preventDefault();
        setDragging(true);
      },
      onDragLeave: () => setDragging(false),
      onDrop: (event: DragEvent<HTMLElement>) => {
        event.preventDefault();
        setDragging(false);
        onFile(event.dataTransfer.files[0]);
      },
    },
  };
}

/** A drop zone holding its own file input: shows the chosen file's name and size, or the prompt. */
export function FileDropZone({
  file,
  onFile,
  prompt,
  inputLabel,
  accept,
  inputRef,
  testId,
}: {
  file: File | null;
  onFile: (file: File | undefined) => void;
  prompt: ReactNode;
  inputLabel: string;
  accept?: string;
  inputRef?: RefObject<HTMLInputElement | null>;
  testId?: string;
}) {
  const drop = useFileDrop(onFile);
  return (
    <label className={drop.className} data-testid={testId} {...drop.handlers}>
      <span>{file ? <strong>{file.name}</strong> : prompt}</span>
      {file && <span className="muted small"> ({Math.ceil(file.size / 1024)} KiB)</span>}
      <input ref={inputRef} type="file" accept={accept} aria-label={inputLabel} onChange={(e) => onFile(e.target.files?.[0])} />
    </label>
  );
}

/** An upload's progress bar with its percentage, while one runs (`progress` 0–1, null when none). */
export function UploadProgress({ progress }: { progress: number | null }) {
  if (progress === null) return null;
  return (
    <p role="status">
      <progress max={1} value={progress} aria-label="Upload progress" /> {Math.round(progress * 100)}%
    </p>
  );
}

// ---- Dialog ----

/** A modal <dialog>: the browser traps focus and Escape closes it. */
export function Dialog({ title, onClose, children, wide }: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    // No close() on cleanup: it would fire "close" (→ onClose) when StrictMode re-runs effects; unmounting
    // removes the dialog from the top layer by itself.
  }, []);
  return (
    <dialog ref={ref} className={`dialog${wide ? ' dialog-wide' : ''}`} aria-labelledby={titleId} onClose={onClose}>
      <header className="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="btn btn-ghost btn-icon" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      <div className="dialog-body">{children}</div>
    </dialog>
  );
}

export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Thirdwatch` : 'Thirdwatch';
  }, [title]);
}
