import { useEffect, useId, useRef, useState } from 'react';
import { api, ApiError, describeError, humanizeReason } from '../api.js';
import { Dialog, useFileDrop } from '../components.js';
import { plural } from '../format.js';
import type { ImportReport, JobView } from '../types.js';

/** CSV columns the import understands (the export writes the same header). Lists use ";" in a cell. */
const CSV_COLUMNS = [
  'name', 'aliases', 'domains', 'lei', 'duns', 'vat', 'country', 'website', 'description', 'status',
  'business_owner', 'team', 'services', 'data_categories', 'access_level', 'criticality', 'substitutability',
  'annual_spend', 'currency', 'regulatory_scope', 'ships_software', 'auto_update', 'parent_vendor', 'subcontractors',
];
const MAX_BYTES = 64 * 1024 * 1024;

type Phase = 'choose' | 'checking' | 'checked' | 'importing' | 'done';
const POLL_MS = 400;

/** What the job is doing, in words (the phases of the vendors.import job). */
const JOB_PHASES: Record<string, string> = {
  parsing: 'Reading the file',
  checking: 'Checking rows',
  staging: 'Checking and staging rows',
  publishing: 'Writing the vendors',
};

/** Thrown when the person cancelled the job: not an error to show as one. */
class Cancelled extends Error {}

/**
 * Choose a CSV → dry run (every problem with its line) → import for real, all or nothing. Both run
 * as the server's vendors.import job: the dialog starts it, shows its progress and can cancel it.
 */
export function ImportDialog({ onClose }: { onClose: (imported: boolean) => void }) {
  const inputId = useId();
  const [phase, setPhase] = useState<Phase>('choose');
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [job, setJob] = useState<JobView | null>(null);
  const open = useRef(true);
  useEffect(
    () => () => {
      open.current = false;
    },
    [],
  );

  /** Starts the import job and follows it to its end; answers its report. */
  const run = async (text: string, dryRun: boolean): Promise<ImportReport> => {
    let current = await api.request<JobView>('POST', '/api/v1/vendors/import', { query: { dryRun }, body: text, contentType: 'text/csv' });
    setJob(current);
    while (current.status === 'uploading' || current.status === 'queued' || current.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (!open.current) throw new Cancelled();
      current = await api.get<JobView>(`/api/v1/jobs/${current.id}`);
      setJob(current);
    }
    if (current.status === 'cancelled') throw new Cancelled();
    if (current.status === 'dead') throw new Error(`The import failed: ${current.error ?? 'see the job for its error'}. Nothing was written.`);
    return current.result as ImportReport;
  };

  const cancel = async () => {
    if (!job) return;
    try {
      setJob(await api.post<JobView>(`/api/v1/jobs/${job.id}/cancel`));
    } catch (e) {
      // 409: the import is already writing; it cannot be stopped half-way and will complete.
      if (e instanceof ApiError && e.status === 409) setNotice('Too late to cancel: the vendors are being written and the import will complete.');
      else setError(describeError(e));
    }
  };

  const choose = async (chosen: File | undefined) => {
    if (!chosen) return;
    setError('');
    setReport(null);
    if (chosen.size > MAX_BYTES) {
      setError(`${chosen.name} is larger than 64 MB; split it into smaller files.`);
      return;
    }
    setPhase('checking');
    setNotice('');
    try {
      const text = await chosen.text();
      setFile({ name: chosen.name, text });
      setReport(await run(text, true));
      setPhase('checked');
    } catch (e) {
      if (e instanceof Cancelled) setNotice('Check cancelled. Nothing was written.');
      else setError(describeError(e));
      setPhase('choose');
    } finally {
      setJob(null);
    }
  };

  const importNow = async () => {
    if (!file) return;
    setPhase('importing');
    setError('');
    setNotice('');
    try {
      const result = await run(file.text, false);
      setReport(result);
      setPhase(result.errors.length ? 'checked' : 'done');
    } catch (e) {
      if (e instanceof Cancelled) setNotice('Import cancelled. Nothing was written.');
      else setError(describeError(e));
      setPhase('checked');
    } finally {
      setJob(null);
    }
  };

  const busy = phase === 'checking' || phase === 'importing';
  const progress = job?.progress;

  const drop = useFileDrop((f) => void choose(f));

  const template = `data:text/csv;charset=utf-8,${encodeURIComponent(`${CSV_COLUMNS.join(',')}\nExample Ltd,,example.com,,,,GB,https://example.com,,active,,it,hosting,personal;confidential,network,3,2,12000,EUR,GDPR,yes,yes,,\n`)}`;
  const errors = report?.errors ?? [];
  const lines = new Set(errors.map((e) => e.line)).size;

  return (
    <Dialog title="Import vendors from CSV" onClose={() => onClose(phase === 'done')} wide>
      {phase !== 'done' && (
        <>
          <div className={drop.className} {...drop.handlers}>
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
        {busy && (
          <div className="job-progress" data-testid="import-progress">
            <p className="loading">
              {phase === 'checking' ? 'Checking' : 'Importing'} {file?.name ?? 'the file'}…{' '}
              {progress && (
                <span data-testid="import-phase">
                  {JOB_PHASES[progress.phase ?? ''] ?? (job?.status === 'queued' ? 'Waiting for a worker' : 'Starting')}
                  {progress.total ? `: ${progress.done.toLocaleString()} of ${progress.total.toLocaleString()}${progress.phase === 'publishing' ? ' steps' : ' rows'}` : ''}
                </span>
              )}
            </p>
            <progress max={progress?.total || 1} value={progress?.total ? progress.done : undefined} aria-label="Import progress" />
          </div>
        )}
        {notice && (
          <p className="banner banner-info" role="status">
            {notice}
          </p>
        )}
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
            {busy ? (
              <button type="button" className="btn" disabled={!job || job.cancelRequested || job.progress.phase === 'publishing'} onClick={() => void cancel()}>
                {job?.cancelRequested ? 'Cancelling…' : phase === 'checking' ? 'Cancel check' : 'Cancel import'}
              </button>
            ) : (
              <button type="button" className="btn" onClick={() => onClose(false)}>
                Cancel
              </button>
            )}
            <button type="button" className="btn btn-primary" disabled={phase !== 'checked' || errors.length > 0 || !report?.rows} onClick={() => void importNow()}>
              {phase === 'importing' ? 'Importing…' : report && !errors.length ? `Import ${plural(report.rows, 'vendor')}` : 'Import'}
            </button>
          </>
        )}
      </footer>
    </Dialog>
  );
}
