import { useState, type FormEvent } from 'react';
import { navigate } from './router.js';

/** The header's "who uses X" box: a package name, or a package URL (pkg:…) for an exact match. */
export function WhoUsesSearch() {
  const [text, setText] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const q = text.trim();
    if (!q) return;
    navigate(`/components?${new URLSearchParams(q.startsWith('pkg:') ? { purl: q } : { name: q })}`);
  };
  return (
    <form className="who-uses" role="search" aria-label="Who uses a component" onSubmit={submit}>
      <label htmlFor="who-uses-q" className="sr-only">
        Who uses component
      </label>
      <input id="who-uses-q" type="search" placeholder="Who uses… (name or pkg:)" value={text} onChange={(e) => setText(e.target.value)} />
      <button type="submit" className="btn btn-small">
        Search
      </button>
    </form>
  );
}
