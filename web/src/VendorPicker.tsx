import { useEffect, useId, useState } from 'react';
import { api } from './api.js';
import { Field } from './components.js';
import type { Page, Vendor } from './types.js';

export interface PickedVendor {
  /** What the user typed. */
  text: string;
  /** The vendor whose name it matches exactly, once one does. */
  id: string | null;
}

/** A text input with the matching vendor names as suggestions (a native datalist: keyboard and screen-reader friendly). */
export function VendorPicker({
  label,
  value,
  onChange,
  error,
  hint,
  excludeId,
  name,
}: {
  label: string;
  value: PickedVendor;
  onChange: (value: PickedVendor) => void;
  error?: string;
  hint?: string;
  excludeId?: string;
  name?: string;
}) {
  const listId = useId();
  const [options, setOptions] = useState<Array<{ id: string; name: string; tier: string }>>([]);
  // Suggestions are fetched once the field is used, not for every picker on every page load.
  const [active, setActive] = useState(Boolean(value.text));

  useEffect(() => {
    if (!active) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api
        .get<Page<Vendor>>('/api/v1/vendors', { q: value.text.trim() || undefined, limit: 12, sort: 'name' }, controller.signal)
        .then((page) => {
          const found = page.items.filter((v) => v.id !== excludeId).map((v) => ({ id: v.id, name: v.name, tier: v.tier }));
          setOptions(found);
          const exact = found.find((o) => o.name.toLowerCase() === value.text.trim().toLowerCase());
          if (exact && exact.id !== value.id) onChange({ text: value.text, id: exact.id });
        })
        .catch(() => undefined);
    }, 200);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
    // onChange is a new function each render; the lookup depends on the text only.
  }, [value.text, excludeId, active]);

  return (
    <Field label={label} error={error} hint={hint}>
      {(p) => (
        <>
          <input
            {...p}
            name={name}
            list={listId}
            autoComplete="off"
            onFocus={() => setActive(true)}
            value={value.text}
            onChange={(e) => {
              const text = e.target.value;
              const exact = options.find((o) => o.name.toLowerCase() === text.trim().toLowerCase());
              onChange({ text, id: exact?.id ?? null });
            }}
          />
          <datalist id={listId}>
            {options.map((o) => (
              <option key={o.id} value={o.name}>
                {o.tier}
              </option>
            ))}
          </datalist>
        </>
      )}
    </Field>
  );
}
