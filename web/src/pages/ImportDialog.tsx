import { useId, useState, type DragEvent } from 'react';
import { api, describeError, humanizeReason } from '../api.js';
import { Dialog } from '../components.js';
import { plural } from '../format.js';
import type { ImportReport } from '../types.js';

/** CSV columns the import understands (the export writes the same header). Lists use ";" in a cell. */
const CSV_COLUMNS = [
  'name', 'aliases', 'domains', 'lei', 'duns', 'vat', 'country', 'website', 'description', 'status',
  'business_owner', 'team', 'services', 'data_categories', 'access_level', 'criticality', 'substitutability',
  'annual_spend', 'currency', 'regulatory_scope', 'ships_software', 'auto_update', 'parent_vendor', 'subcontractors',
];
const MAX_BYTES = 64 * 1024 * 1024;

type Phase = 'choose' | 'checking' | 'checked' | 'importing' | 'done';

/** Choose a CSV → dry run (every problem with its line) → import for real, all or nothing. */
export function ImportDialog({ onClose }: { onClose: (imported: boolean) => void }) {
  const inputId = useId();
  const [phase, setPhase] = useState<Phase>('choose');
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState('');
  const [dragging, setDragging] = useState(false);

  const run = (text: string, dryRun: boolean) =>
    api.request<ImportReport>('POST', '/api/v1/vendors/import', { query: { dryRun, wait: true }, body: text, contentType: 'text/csv', resultStatuses: [422] });

  const choose = async (chosen: File | undefined) => {
    if (!chosen) return;
    setError('');
    setReport(null);
    if (chosen.size > MAX_BYTES) {
      setError(`${chosen.name} is larger than 64 MB; split it into smaller files.`);
      return;
    }
    setPhase('checking');
    try {
      const text = await chosen.text();
      setFile({ name: chosen.name, text });
      setReport(await run(text, true));
      setPhase('checked');
    } catch (e) {
      setError(describeError(e));
      setPhase('choose');
    }
  };

  const importNow = async () => {
    if (!file) return;
    setPhase('importing');
    setError('');
    try {
      const result = await run(file.text, false);
      setReport(result);
      setPhase(result.errors.length ? 'checked' : 'done');
    } catch (e) {
      setError(describeError(e));
      setPhase('checked');
    }
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    void choose(event.dataTransfer.files[0]);
  };

  const template = `data:text/csv;charset=utf-8,${encodeURIComponent(`${CSV_COLUMNS.join(',')}\nExample Ltd,,example.com,,,,GB,https://example.com,,active,,it,hosting,personal;confidential,network,3,2,12000,EUR,GDPR,yes,yes,,\n`)}`;
  const errors = report?.errors ?? [];
  const lines = new Set(errors.map((e) => e.line)).size;

  return (
    <Dialog title="Import vendors from CSV" onClose={() => onClose(phase === 'done')} wide>
      {phase !== 'done' && (
        <>
          <div
            className={`dropzone${dragging ? ' dragging' : ''}`}
            onDragOver={(e) => {
              e.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={onDrop}
          >
            <label htmlFor={inputId}>
              <strong>Choose a CSV file</strong> or drop it here
            </label>
            <input id={inputId} type="file" accept=".csv,text/csv" onChange={(e) => void choose(e.target.files?.[0])} aria-describedby={`${inputId}-hint`} />
            <p className="hint" id={`${inputId}-hint`}>
              One vendor per line under a header row; vendors with a name already in the inventory are updated. Lists such as domains go in one cell separated by “;” (write “\;” for a semicolon inside an item).{' '}
              <a href={template} download="thirdwatch-vendors-template.csv">
                Download a template
              </a>
              .
            </p>
          </div>
        </>
      )}

      <div aria-live="polite" className="import-status">
        {phase === 'checking' && <p className="loading">Checking {file?.name ?? 'the file'}…</p>}
        {phase === 'importing' && <p className="loading">Importing {file?.name}…</p>}
        {error && (
          <p className="banner banner-error" role="alert">
            {error}
          </p>
        )}
        {report && phase === 'checked' && errors.length === 0 && (
          <p className="banner banner-ok" data-testid="import-summary">
            <strong>{file?.name}</strong> is ready: {plural(report.rows, 'row')} checked, {report.created} to create and {report.updated} to update. Nothing has been written yet.
          </p>
        )}
        {report && errors.length > 0 && (
          <div className="banner banner-error" role="alert" data-testid="import-summary">
            <strong>
              {report.dryRun ? 'Dry run:' : 'Import refused:'} {plural(errors.length, 'problem')} on {plural(lines, 'line')}
            </strong>{' '}
            in {file?.name}. {report.dryRun ? 'Fix them and choose the file again; nothing was written.' : 'Nothing was written: an import is all or nothing.'}
          </div>
        )}
        {phase === 'done' && report && (
          <p className="banner banner-ok" role="status" data-testid="import-summary">
            Imported {file?.name}: {plural(report.created, 'vendor')} created, {report.updated} updated.
          </p>
        )}
      </div>

      {errors.length > 0 && (
        <div className="table-wrap import-errors">
          <table className="table">
            <caption className="sr-only">Problems found in {file?.name}</caption>
            <thead>
              <tr>
                <th scope="col" className="num">
                  Line
                </th>
                <th scope="col">Column</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {errors.map((e, i) => (
                <tr key={`${e.line}-${e.field}-${i}`}>
                  <td className="num">{e.line}</td>
                  <td>
                    <code>{e.field}</code>
                  </td>
                  <td title={e.reason}>{humanizeReason(e.field, e.reason)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <footer className="dialog-foot">
        {phase === 'done' ? (
          <button type="button" className="btn btn-primary" onClick={() => onClose(true)}>
            Done
          </button>
        ) : (
          <>
            <button type="button" className="btn" onClick={() => onClose(false)}>
              Cancel
            </button>
            <button type="button" className="btn btn-primary" disabled={phase !== 'checked' || errors.length > 0 || !report?.rows} onClick={() => void importNow()}>
              {phase === 'importing' ? 'Importing…' : report && !errors.length ? `Import ${plural(report.rows, 'vendor')}` : 'Import'}
            </button>
          </>
        )}
      </footer>
    </Dialog>
  );
}
