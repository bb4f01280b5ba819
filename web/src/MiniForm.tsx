import { useRef, useState, type FormEvent } from 'react';
import { ApiError, fieldErrors } from './api.js';
import { ErrorBanner, Field, SubmitButton } from './components.js';

export interface FieldSpec {
  name: string;
  label: string;
  /** list: a text input of values separated by commas or spaces, sent as an array (check runs on each value). */
  kind: 'text' | 'email' | 'tel' | 'number' | 'date' | 'select' | 'checkbox' | 'textarea' | 'list';
  options?: readonly string[];
  required?: boolean;
  hint?: string;
  min?: number;
  max?: number;
  /** Client-side check: a message when the value is wrong. */
  check?: (value: string) => string | undefined;
  transform?: (value: string) => string;
  wide?: boolean;
}

type Values = Record<string, string | boolean>;

function blank(fields: FieldSpec[]): Values {
  return Object.fromEntries(fields.map((f) => [f.name, f.kind === 'checkbox' ? false : f.kind === 'select' ? (f.options?.[0] ?? '') : '']));
}

/** The values of a list field as typed: separated by commas, spaces or line breaks. */
export function listValues(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** Empty optional fields are left out; numbers are sent as numbers, checkboxes as booleans, lists as arrays. */
function bodyOf(fields: FieldSpec[], values: Values): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values[f.name];
    if (f.kind === 'checkbox') body[f.name] = Boolean(v);
    else if (f.kind === 'list' && typeof v === 'string') {
      const list = listValues(v).map((x) => (f.transform ? f.transform(x) : x));
      if (list.length) body[f.name] = list;
    } else if (typeof v === 'string' && v.trim() !== '') {
      const text = f.transform ? f.transform(v.trim()) : v.trim();
      body[f.name] = f.kind === 'number' ? Number(text) : text;
    }
  }
  return body;
}

/**
 * A compact add-form for a vendor's products, contacts and contracts: labelled inputs, client checks,
 * and the API's field errors (JSON pointers such as `/email`) shown under the right input.
 */
export function MiniForm({
  fields,
  submitLabel,
  onSubmit,
  onCancel,
  title,
}: {
  fields: FieldSpec[];
  submitLabel: string;
  onSubmit: (body: Record<string, unknown>) => Promise<void>;
  onCancel?: () => void;
  title: string;
}) {
  const [values, setValues] = useState<Values>(() => blank(fields));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLFormElement>(null);

  const focusError = () => requestAnimationFrame(() => ref.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const local: Record<string, string> = {};
    for (const f of fields) {
      const v = values[f.name];
      if (typeof v !== 'string') continue;
      if (f.required && !v.trim()) local[`/${f.name}`] = 'is required';
      else if (v.trim() && f.kind === 'number' && !Number.isFinite(Number(v))) local[`/${f.name}`] = 'must be a number';
      else if (v.trim() && f.kind === 'number' && f.min !== undefined && Number(v) < f.min) local[`/${f.name}`] = `must be at least ${f.min}`;
      else if (v.trim() && f.kind === 'number' && f.max !== undefined && Number(v) > f.max) local[`/${f.name}`] = `must be at most ${f.max}`;
      else if (f.kind === 'list' && f.check) {
        const message = listValues(v).map((x) => f.check!(f.transform ? f.transform(x) : x)).find(Boolean);
        if (message) local[`/${f.name}`] = message;
      } else if (v.trim() && f.check) {
        const message = f.check(f.transform ? f.transform(v.trim()) : v.trim());
        if (message) local[`/${f.name}`] = message;
      }
    }
    setErrors(local);
    if (Object.keys(local).length) return focusError();
    const body = bodyOf(fields, values);
    setBusy(true);
    try {
      await onSubmit(body);
      setValues(blank(fields));
      setErrors({});
    } catch (error) {
      const mapped = fieldErrors(error, fields.map((f) => `/${f.name}`), body);
      const general = mapped[''];
      delete mapped[''];
      setErrors(mapped);
      if (general || !(error instanceof ApiError) || !Object.keys(mapped).length) setFailure(general ? new Error(general) : error);
      focusError();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form ref={ref} className="mini-form" onSubmit={submit} noValidate aria-label={title}>
      <div className="grid-fields grid-fields-3">
        {fields
          .filter((f) => f.kind !== 'checkbox')
          .map((f) => (
            <Field key={f.name} label={f.label} error={errors[`/${f.name}`]} hint={f.hint} required={f.required} className={f.wide ? 'span-2' : undefined}>
              {(p) =>
                f.kind === 'select' ? (
                  <select {...p} name={f.name} value={String(values[f.name])} onChange={(e) => setValues((v) => ({ ...v, [f.name]: e.target.value }))}>
                    {f.options?.map((o) => (
                      <option key={o} value={o}>
                        {o}
                      </option>
                    ))}
                  </select>
                ) : f.kind === 'textarea' ? (
                  <textarea {...p} name={f.name} rows={2} value={String(values[f.name])} onChange={(e) => setValues((v) => ({ ...v, [f.name]: e.target.value }))} />
                ) : (
                  <input
                    {...p}
                    name={f.name}
                    type={f.kind === 'list' ? 'text' : f.kind}
                    min={f.min}
                    max={f.max}
                    autoComplete="off"
                    value={String(values[f.name])}
                    onChange={(e) => setValues((v) => ({ ...v, [f.name]: e.target.value }))}
                  />
                )
              }
            </Field>
          ))}
      </div>
      {fields.some((f) => f.kind === 'checkbox') && (
        <div className="checks-row mini-checks">
          {fields
            .filter((f) => f.kind === 'checkbox')
            .map((f) => (
              <label key={f.name} className="check">
                <input type="checkbox" name={f.name} checked={Boolean(values[f.name])} onChange={(e) => setValues((v) => ({ ...v, [f.name]: e.target.checked }))} />
                {f.label}
              </label>
            ))}
        </div>
      )}
      <div aria-live="assertive" className="summary-slot">
        <ErrorBanner error={failure} />
      </div>
      <div className="form-actions">
        <SubmitButton busy={busy} label={submitLabel} small />
        {onCancel && (
          <button type="button" className="btn btn-small" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
