import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, describeError, fieldErrors } from '../api.js';
import { CheckboxGroup, DetailRow, Dialog, Empty, ErrorBanner, Field, Loading, PageStatus, ReviewDate, SelectField, StatusPill, SubmitButton, Tag, TierBadge, useAsync, useDocumentTitle } from '../components.js';
import { DataTable, type Column } from '../lists.js';
import { takeFlash } from '../flash.js';
import { describeAction, formatDate, formatDateTime, formatMoney, formatScore, isReviewOverdue, plural, relativeDays, relativeTime } from '../format.js';
import { FourthPartyGraph, FourthPartyTree } from '../FourthParties.js';
import { MiniForm, type FieldSpec } from '../MiniForm.js';
import { endpointProblem } from './Product.js';
import { RiskBreakdown } from '../risk.js';
import { Link, navigate } from '../router.js';
import { useSession } from '../session.js';
import { ACCESS_LEVELS, DATA_CATEGORIES, FACTOR_LABEL, PRODUCT_TYPES, type AccessLevel, type DataCategory, type Factor, type AuditEvent, type Comment, type Contact, type Contract, type FourthParties, type FourthPartyNode, type Page, type Product, type RiskModel, type Vendor } from '../types.js';
import { VendorPicker, type PickedVendor } from '../VendorPicker.js';
import { VendorTechnologies } from './Technologies.js';
import { VendorRisks } from './Risks.js';
import { VendorSightings } from './Intel.js';
import { CRITICALITY, SUBSTITUTABILITY } from './VendorForm.js';
import { FindingBadges } from './Findings.js';
import { ResidualRiskCard, VendorResilienceSection } from '../Resilience.js';
import { VendorPortalSection } from './VendorPortal.js';

const CURRENCY = (v: string) => (/^[A-Z]{3}$/.test(v) ? undefined : 'must be a three-letter currency code such as EUR');

const PRODUCT_FIELDS: FieldSpec[] = [
  { name: 'name', label: 'Name', kind: 'text', required: true },
  { name: 'type', label: 'Type', kind: 'select', options: PRODUCT_TYPES },
  { name: 'version', label: 'Version', kind: 'text' },
  { name: 'deploymentCount', label: 'Deployments', kind: 'number', min: 0, hint: 'Installations in our estate.' },
  { name: 'updateChannel', label: 'Update channel', kind: 'text', hint: 'e.g. in-app auto-update from vendor CDN', wide: true },
  { name: 'endpoints', label: 'Egress endpoints', kind: 'list', transform: (v) => v.toLowerCase(), check: endpointProblem, hint: 'Host names it talks to, separated by commas (subdomains included): egress to them is attributed to this product.', wide: true },
  { name: 'autoUpdate', label: 'Updates itself', kind: 'checkbox' },
];

const CONTACT_FIELDS: FieldSpec[] = [
  { name: 'name', label: 'Name', kind: 'text', required: true },
  { name: 'email', label: 'E-mail', kind: 'email', check: (v) => (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? undefined : 'must be a valid e-mail address') },
  { name: 'phone', label: 'Phone', kind: 'tel', check: (v) => (/^[+0-9 ()./-]{3,50}$/.test(v) ? undefined : 'may contain only digits, spaces and + ( ) . / -') },
  { name: 'role', label: 'Role', kind: 'text', hint: 'e.g. security contact, account manager, DPO' },
  { name: 'isPrimary', label: 'Primary contact', kind: 'checkbox' },
];

const CONTRACT_FIELDS: FieldSpec[] = [
  { name: 'title', label: 'Title', kind: 'text', required: true, wide: true },
  { name: 'startDate', label: 'Start', kind: 'date' },
  { name: 'endDate', label: 'End', kind: 'date' },
  { name: 'value', label: 'Value', kind: 'number', min: 0 },
  { name: 'currency', label: 'Currency', kind: 'text', transform: (v) => v.toUpperCase(), check: CURRENCY },
  { name: 'noticePeriodDays', label: 'Notice period (days)', kind: 'number', min: 0, max: 3650 },
  { name: 'breachNotificationHours', label: 'Breach notice (hours)', kind: 'number', min: 1, max: 8760, hint: 'Hours the vendor has to tell us of a breach.' },
  { name: 'sbomClause', label: 'Must deliver SBOMs', kind: 'checkbox' },
  { name: 'breachNotificationClause', label: 'Breach notification clause', kind: 'checkbox' },
];

interface Loaded {
  vendor: Vendor;
  parent: { id: string; name: string } | null;
  model: RiskModel | null;
}

export function VendorPage({ id }: { id: string }) {
  const [flash] = useState(takeFlash);
  const state = useAsync<Loaded>(
    async (signal) => {
      const [vendor, model] = await Promise.all([
        api.get<Vendor>(`/api/v1/vendors/${id}`, undefined, signal),
        api.get<RiskModel>('/api/v1/settings/risk-model', undefined, signal).catch(() => null),
      ]);
      const parent = vendor.parentVendorId ? await api.get<Vendor>(`/api/v1/vendors/${vendor.parentVendorId}`, undefined, signal).then((p) => ({ id: p.id, name: p.name }), () => null) : null;
      return { vendor, parent, model };
    },
    [id],
  );
  useDocumentTitle(state.data?.vendor.name ?? 'Vendor');

  if (!state.data) return <PageStatus state={state} crumbs={<Link to="/vendors">Inventory</Link>} />;
  return <VendorView {...state.data} flash={flash} onChanged={(vendor) => state.setData({ ...state.data!, vendor })} reload={state.reload} />;
}

function VendorView({ vendor: v, parent, model, flash, onChanged, reload }: Loaded & { flash: string | null; onChanged: (v: Vendor) => void; reload: () => void }) {
  const { can } = useSession();
  const [dialog, setDialog] = useState<'review' | 'delete' | null>(null);
  const [historyKey, setHistoryKey] = useState(0);
  const writable = can('inventory:write');
  const missing = (factor: Factor) => (v.inherentRisk.missing.includes(factor) ? <span className="muted">not answered yet</span> : null);
  const changed = (vendor?: Vendor) => {
    if (vendor) onChanged(vendor);
    else reload();
    setHistoryKey((k) => k + 1);
  };

  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <p className="crumbs">
            <Link to="/vendors">Inventory</Link> / {v.name}
          </p>
          <h1 className="vendor-title">
            {v.name} <TierBadge tier={v.tier} long provisional={v.tierProvisional} /> <StatusPill status={v.status} />
          </h1>
          <p className="muted">
            {v.aliases.length > 0 && <>Also known as {v.aliases.join(', ')} · </>}
            {v.domains.length > 0 ? v.domains.join(', ') : 'no domains'}
            {v.team && <> · {v.team.name} team</>}
          </p>
          <FindingBadges scope={{ vendorId: v.id }} />
        </div>
        {writable && (
          <div className="actions">
            <button type="button" className="btn" onClick={() => setDialog('review')}>
              Mark reviewed
            </button>
            <Link className="btn" to={`/vendors/${v.id}/edit`}>
              Edit
            </Link>
            <button type="button" className="btn btn-danger-ghost" onClick={() => setDialog('delete')}>
              Delete
            </button>
          </div>
        )}
      </div>
      {flash && (
        <p className="banner banner-ok" role="status">
          {flash}
        </p>
      )}
      <nav className="subnav" aria-label="Sections of this vendor">
        {[
          ['overview', 'Overview'],
          ['resilience', 'Assessment and resilience'],
          ['risks', 'Risks'],
          ['sightings', 'Sightings'],
          ['products', 'Products'],
          ['contacts', 'Contacts'],
          ['contracts', 'Contracts'],
          ['fourth-parties', 'Fourth parties'],
          ['portal', 'Portal'],
          ['comments', 'Comments'],
          ['history', 'History'],
        ].map(([anchor, label]) => (
          <a key={anchor} href={`#${anchor}`}>
            {label}
          </a>
        ))}
      </nav>

      <div className="grid-vendor" id="overview">
        <div className="stack">
          {v.tierProvisional && <TriagePanel vendor={v} writable={writable} onChanged={changed} />}
          <section className="card" aria-labelledby="risk-title">
            <header className="card-head">
              <h2 id="risk-title">Inherent risk, explained</h2>
              {can('settings:write') && <Link to="/settings">Risk model</Link>}
            </header>
            <RiskBreakdown score={v.inherentRisk.score} tier={v.tier} terms={v.inherentRisk.terms} thresholds={model?.tierThresholds} missing={v.inherentRisk.missing} />
          </section>
          {v.residualRisk && <ResidualRiskCard residual={v.residualRisk} inherent={v.inherentRisk.score} />}
          <section className="card" aria-labelledby="review-title">
            <header className="card-head">
              <h2 id="review-title">Review</h2>
            </header>
            <dl className="dl">
              <DetailRow label="Next review">
                <ReviewDate iso={v.nextReviewAt} overdue={isReviewOverdue(v)} />
              </DetailRow>
              <DetailRow label="Last reviewed">{v.lastReviewedAt ? `${formatDate(v.lastReviewedAt)} (${Date.now() - Date.parse(v.lastReviewedAt) < 86_400_000 ? relativeTime(v.lastReviewedAt) : relativeDays(v.lastReviewedAt)})` : 'never'}</DetailRow>
              {model && <DetailRow label="Cadence">every {model.reviewCadenceDays[v.tier]} days for {v.tier}</DetailRow>}
            </dl>
          </section>
        </div>
        <section className="card" aria-labelledby="details-title">
          <header className="card-head">
            <h2 id="details-title">Details</h2>
          </header>
          <dl className="dl">
            <DetailRow label="Website">{v.website ? <a href={v.website} rel="noreferrer noopener" target="_blank">{v.website}</a> : '—'}</DetailRow>
            <DetailRow label="Country">{v.country ?? '—'}</DetailRow>
            <DetailRow label="Business owner">{v.businessOwner ?? '—'}</DetailRow>
            <DetailRow label="Team">{v.team?.name ?? '—'}</DetailRow>
            {v.ownerUserId && <DetailRow label="Owner (user)"><code>{v.ownerUserId}</code></DetailRow>}
            <DetailRow label="Parent vendor">{parent ? <Link to={`/vendors/${parent.id}`}>{parent.name}</Link> : '—'}</DetailRow>
            <DetailRow label="Services">{v.services.length ? v.services.join(', ') : '—'}</DetailRow>
            <DetailRow label="Data shared">{missing('dataSensitivity') ?? v.dataCategories.map((c) => <Tag key={c}>{c}</Tag>)}</DetailRow>
            <DetailRow label="Access level">{missing('accessLevel') ?? v.accessLevel}</DetailRow>
            <DetailRow label="Criticality">{missing('criticality') ?? `${v.criticality} of 4`}</DetailRow>
            <DetailRow label="Substitutability">{missing('substitutability') ?? `${v.substitutability} of 4`}</DetailRow>
            <DetailRow label="Software">{missing('softwareSupply') ?? (v.shipsSoftware ? (v.autoUpdate ? 'ships software that updates itself' : 'ships software') : 'none')}</DetailRow>
            <DetailRow label="Regulatory scope">{v.regulatoryScope.length ? v.regulatoryScope.join(', ') : '—'}</DetailRow>
            <DetailRow label="Annual spend">{formatMoney(v.annualSpend, v.currency)}</DetailRow>
            <DetailRow label="Legal ids">
              {Object.entries(v.legalIds).filter(([, x]) => x).length
                ? Object.entries(v.legalIds)
                    .filter(([, x]) => x)
                    .map(([k, x]) => (
                      <span key={k} className="legal-id">
                        {k.toUpperCase()} <code>{x}</code>
                      </span>
                    ))
                : '—'}
            </DetailRow>
            <DetailRow label="Created">{formatDateTime(v.createdAt)}</DetailRow>
            <DetailRow label="Updated">{formatDateTime(v.updatedAt)}</DetailRow>
          </dl>
          {v.description && <p className="description">{v.description}</p>}
        </section>
      </div>

      <VendorResilienceSection vendorId={v.id} />
      <VendorRisks vendorId={v.id} />
      <VendorSightings vendorId={v.id} />
      <Products vendor={v} writable={writable} onChanged={() => setHistoryKey((k) => k + 1)} />
      <VendorTechnologies vendorId={v.id} />
      <Contacts vendor={v} writable={writable} onChanged={() => setHistoryKey((k) => k + 1)} />
      <Contracts vendor={v} writable={writable} onChanged={() => setHistoryKey((k) => k + 1)} />
      <FourthPartySection vendor={v} writable={writable} onChanged={changed} />
      <VendorPortalSection vendor={v} />
      <Comments vendor={v} />
      <History vendor={v} key={historyKey} />

      {dialog === 'review' && <ReviewDialog vendor={v} onClose={() => setDialog(null)} onDone={(vendor) => { setDialog(null); changed(vendor); }} />}
      {dialog === 'delete' && <DeleteDialog vendor={v} onClose={() => setDialog(null)} />}
    </div>
  );
}

type SoftwareAnswer = '' | 'no' | 'yes' | 'auto';
interface TriageAnswers {
  dataCategories: DataCategory[];
  accessLevel: AccessLevel | '';
  criticality: string;
  substitutability: string;
  software: SoftwareAnswer;
}

/**
 * The factors nobody has answered yet, each with its question; saving sends only the answered ones.
 * Until every one is answered the tier stays provisional (at least T2, whatever the score so far).
 */
function TriagePanel({ vendor: v, writable, onChanged }: { vendor: Vendor; writable: boolean; onChanged: (v: Vendor) => void }) {
  const [answers, setAnswers] = useState<TriageAnswers>({ dataCategories: [], accessLevel: '', criticality: '', substitutability: '', software: '' });
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const missing = v.inherentRisk.missing;
  const set = <K extends keyof TriageAnswers>(key: K, value: TriageAnswers[K]) => setAnswers((a) => ({ ...a, [key]: value }));
  const body: Record<string, unknown> = {};
  if (missing.includes('dataSensitivity') && answers.dataCategories.length) body.dataCategories = answers.dataCategories;
  if (missing.includes('accessLevel') && answers.accessLevel) body.accessLevel = answers.accessLevel;
  if (missing.includes('criticality') && answers.criticality) body.criticality = Number(answers.criticality);
  if (missing.includes('substitutability') && answers.substitutability) body.substitutability = Number(answers.substitutability);
  if (missing.includes('softwareSupply') && answers.software) Object.assign(body, { shipsSoftware: answers.software !== 'no', autoUpdate: answers.software === 'auto' });
  const weightMissing = v.inherentRisk.terms.filter((t) => missing.includes(t.factor)).reduce((s, t) => s + t.weight, 0);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      onChanged(await api.patch<Vendor>(`/api/v1/vendors/${v.id}`, body));
      setAnswers({ dataCategories: [], accessLevel: '', criticality: '', substitutability: '', software: '' });
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };
  const select = (key: 'accessLevel' | 'criticality' | 'substitutability' | 'software', label: string, options: Array<[string, string]>) => (
    <SelectField label={label} name={`triage-${key}`} value={answers[key]} onChange={(value) => set(key, value as never)} options={options} placeholder="— not answered yet —" />
  );


  return (
    <section className="card card-triage" aria-labelledby="triage-title">
      <header className="card-head">
        <h2 id="triage-title">Needs triage</h2>
      </header>
      <p>
        {missing.length === 1 ? 'One risk factor is' : `${missing.length} risk factors are`} not answered yet: {missing.map((f) => FACTOR_LABEL[f]).join(', ')}. They score nothing so far, so the
        score of {v.inherentRisk.score} could rise by up to {weightMissing} points. Until they are answered the tier is provisional: {v.tier}, never lower than T2, and reviews follow the {v.tier} cadence.
      </p>
      <ul className="sr-only" aria-label="Missing factors">
        {missing.map((f) => (
          <li key={f}>{FACTOR_LABEL[f]}</li>
        ))}
      </ul>
      {writable && (
        <form className="triage-form" onSubmit={submit} aria-label="Answer missing risk factors">
          <ErrorBanner error={failure} />
          {missing.includes('dataSensitivity') && (
            <CheckboxGroup legend="Data shared (tick none if the vendor gets no data)" name="triage-dataCategories" options={DATA_CATEGORIES} value={answers.dataCategories} onChange={(value) => set('dataCategories', value)} />
          )}
          <div className="grid-fields">
            {missing.includes('accessLevel') && select('accessLevel', 'Access level', ACCESS_LEVELS.map((a) => [a, a]))}
            {missing.includes('criticality') && select('criticality', 'Business criticality', CRITICALITY.map((text, i) => [String(i + 1), `${i + 1} — ${text}`]))}
            {missing.includes('substitutability') && select('substitutability', 'Substitutability', SUBSTITUTABILITY.map((text, i) => [String(i + 1), `${i + 1} — ${text}`]))}
            {missing.includes('softwareSupply') &&
              select('software', 'Software', [
                ['no', 'ships no software'],
                ['yes', 'ships software'],
                ['auto', 'ships software that updates itself'],
              ])}
          </div>
          <div className="form-actions">
            <SubmitButton busy={busy} label="Save answers" disabled={Object.keys(body).length === 0} />
          </div>
        </form>
      )}
    </section>
  );
}

/** A card with a table of a vendor's child records and an "Add" disclosure holding its form. */
function ChildSection<T extends { id: string }>({
  anchor,
  title,
  path,
  fields,
  noun,
  writable,
  columns,
  deletePath,
  labelOf,
  onChanged,
}: {
  anchor: string;
  title: string;
  path: string;
  fields: FieldSpec[];
  noun: string;
  writable: boolean;
  columns: Array<Column<T>>;
  deletePath: (row: T) => string;
  labelOf: (row: T) => string;
  onChanged: () => void;
}) {
  const list = useAsync<{ items: T[] }>((signal) => api.get(path, undefined, signal), [path]);
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const items = list.data?.items ?? [];
  const remove = async (row: T, label: string) => {
    if (!window.confirm(`Delete ${noun} “${label}”?`)) return;
    setError(null);
    try {
      await api.delete(deletePath(row));
      list.setData({ items: items.filter((i) => i.id !== row.id) });
      onChanged();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section className="card" id={anchor} aria-labelledby={`${anchor}-title`}>
      <header className="card-head">
        <h2 id={`${anchor}-title`}>
          {title} <span className="count">{list.data ? items.length : ''}</span>
        </h2>
        {writable && !adding && (
          <button type="button" className="btn btn-small" aria-expanded={adding} onClick={() => setAdding(true)}>
            Add {noun}
          </button>
        )}
      </header>
      <ErrorBanner error={list.error ?? error} onRetry={list.error ? list.reload : undefined} />
      {adding && (
        <MiniForm
          title={`Add ${noun}`}
          fields={fields}
          submitLabel={`Add ${noun}`}
          onCancel={() => setAdding(false)}
          onSubmit={async (body) => {
            const created = await api.post<T>(path, body);
            list.setData({ items: [...items, created] });
            setAdding(false);
            onChanged();
          }}
        />
      )}
      {list.loading && !list.data ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty>No {noun}s recorded.</Empty>
      ) : (
        <DataTable
          rows={items}
          rowKey={(row) => row.id}
          columns={[
            ...columns,
            writable && {
              header: <span className="sr-only">Actions</span>,
              className: 'row-actions',
              cell: (row: T) => (
                <button type="button" className="btn btn-ghost btn-small" onClick={() => void remove(row, labelOf(row))}>
                  Delete<span className="sr-only"> {labelOf(row)}</span>
                </button>
              ),
            },
          ]}
        />
      )}
    </section>
  );
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');
const dash = (x: string | number | null) => (x === null || x === '' ? '—' : x);

function Products({ vendor, writable, onChanged }: { vendor: Vendor; writable: boolean; onChanged: () => void }) {
  return (
    <ChildSection<Product>
      anchor="products"
      title="Products and services"
      noun="product"
      path={`/api/v1/vendors/${vendor.id}/products`}
      deletePath={(p) => `/api/v1/products/${p.id}`}
      labelOf={(p) => p.name}
      fields={PRODUCT_FIELDS}
      writable={writable}
      onChanged={onChanged}
      columns={[
        { rowHeader: true, header: 'Name', cell: (p) => <Link to={`/products/${p.id}`}>{p.name}</Link> },
        { header: 'Type', cell: (p) => <Tag>{p.type}</Tag> },
        { header: 'Version', cell: (p) => dash(p.version) },
        { header: 'Deployments', cell: (p) => dash(p.deploymentCount), num: true },
        { header: 'Update channel', cell: (p) => dash(p.updateChannel) },
        { header: 'Egress endpoints', cell: (p) => (p.endpoints.length ? p.endpoints.join(', ') : '—') },
        { header: 'Auto-update', cell: (p) => (p.autoUpdate ? <span className="flag flag-warn">auto-updates</span> : 'no') },
      ]}
    />
  );
}

function Contacts({ vendor, writable, onChanged }: { vendor: Vendor; writable: boolean; onChanged: () => void }) {
  return (
    <ChildSection<Contact>
      anchor="contacts"
      title="Contacts"
      noun="contact"
      path={`/api/v1/vendors/${vendor.id}/contacts`}
      deletePath={(c) => `/api/v1/contacts/${c.id}`}
      labelOf={(c) => c.name}
      fields={CONTACT_FIELDS}
      writable={writable}
      onChanged={onChanged}
      columns={[
        { rowHeader: true, header: 'Name', cell: (c) => <>{c.name}{c.isPrimary && <span className="tag tag-accent">primary</span>}</> },
        { header: 'Role', cell: (c) => dash(c.role) },
        { header: 'E-mail', cell: (c) => (c.email ? <a href={`mailto:${c.email}`}>{c.email}</a> : '—') },
        { header: 'Phone', cell: (c) => dash(c.phone) },
      ]}
    />
  );
}

function Contracts({ vendor, writable, onChanged }: { vendor: Vendor; writable: boolean; onChanged: () => void }) {
  return (
    <ChildSection<Contract>
      anchor="contracts"
      title="Contracts"
      noun="contract"
      path={`/api/v1/vendors/${vendor.id}/contracts`}
      deletePath={(c) => `/api/v1/contracts/${c.id}`}
      labelOf={(c) => c.title}
      fields={CONTRACT_FIELDS}
      writable={writable}
      onChanged={onChanged}
      columns={[
        { rowHeader: true, header: 'Title', cell: (c) => c.title },
        { header: 'Term', cell: (c) => `${formatDate(c.startDate)} → ${formatDate(c.endDate)}` },
        { header: 'Value', cell: (c) => formatMoney(c.value, c.currency), num: true },
        { header: 'Notice', cell: (c) => (c.noticePeriodDays === null ? '—' : `${c.noticePeriodDays} d`), num: true },
        { header: 'SBOM clause', cell: (c) => yesNo(c.sbomClause) },
        { header: 'Breach notice', cell: (c) => (c.breachNotificationClause ? (c.breachNotificationHours ? `within ${c.breachNotificationHours} h` : 'yes') : 'no') },
      ]}
    />
  );
}

function FourthPartySection({ vendor, writable, onChanged }: { vendor: Vendor; writable: boolean; onChanged: (v?: Vendor) => void }) {
  const data = useAsync<FourthParties>((signal) => api.get(`/api/v1/vendors/${vendor.id}/fourth-parties`, undefined, signal), [vendor.id, vendor.subcontractorCount]);
  const [picked, setPicked] = useState<PickedVendor>({ text: '', id: null });
  const [service, setService] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    if (!picked.id) {
      setErrors({ '/subcontractorId': picked.text.trim() ? `no vendor is named “${picked.text.trim()}”; pick one from the suggestions` : 'choose a vendor' });
      return;
    }
    setErrors({});
    setBusy(true);
    const body = { subcontractorId: picked.id, service: service.trim() || null };
    try {
      const updated = await api.post<Vendor>(`/api/v1/vendors/${vendor.id}/subcontractors`, body);
      setPicked({ text: '', id: null });
      setService('');
      onChanged(updated);
    } catch (e) {
      const mapped = fieldErrors(e, ['/subcontractorId', '/service'], body);
      // A refused cycle names both vendors in its detail; that reads better than the bare reason.
      if (e instanceof ApiError && e.status === 409 && mapped['/subcontractorId']) mapped['/subcontractorId'] = e.problem.detail;
      if (mapped['']) setFailure(new Error(mapped['']));
      delete mapped[''];
      if (Object.keys(mapped).length) setErrors(mapped);
      else if (!mapped['']) setFailure(e);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (child: FourthPartyNode) => {
    if (!window.confirm(`Remove ${child.name} as a subcontractor of ${vendor.name}?`)) return;
    try {
      onChanged(await api.request<Vendor>('DELETE', `/api/v1/vendors/${vendor.id}/subcontractors/${child.id}`));
    } catch (e) {
      setFailure(e);
    }
  };

  const tree = data.data?.tree;
  return (
    <section className="card" id="fourth-parties" aria-labelledby="fp-title">
      <header className="card-head">
        <h2 id="fp-title">
          Fourth parties <span className="count">{vendor.subcontractorCount}</span>
        </h2>
      </header>
      <ErrorBanner error={data.error ?? failure} onRetry={data.error ? data.reload : undefined} />
      {!data.data && data.loading && <Loading />}
      {data.data && tree && (
        <div className="fp-layout">
          <div>
            <h3 className="subhead">Subcontractor tree</h3>
            {tree.children.length === 0 ? <Empty>No subcontractors recorded.</Empty> : <FourthPartyTree tree={tree} onRemove={writable ? (c) => void remove(c) : undefined} />}
            <h3 className="subhead">Used by</h3>
            {data.data.usedBy.length === 0 ? (
              <Empty>No vendor in the inventory lists {vendor.name} as a subcontractor.</Empty>
            ) : (
              <ul className="plain-list">
                {data.data.usedBy.map((u) => (
                  <li key={u.id}>
                    <Link to={`/vendors/${u.id}`}>{u.name}</Link> <TierBadge tier={u.tier} />
                    {u.service && <span className="muted"> · {u.service}</span>}
                  </li>
                ))}
              </ul>
            )}
            {writable && (
              <form className="inline-form" onSubmit={add} noValidate aria-label="Add a subcontractor">
                <VendorPicker label="Add subcontractor" name="subcontractor" value={picked} onChange={setPicked} excludeId={vendor.id} error={errors['/subcontractorId']} />
                <Field label="Service they provide" error={errors['/service']}>
                  {(p) => <input {...p} name="service" value={service} onChange={(e) => setService(e.target.value)} placeholder="e.g. hosting" />}
                </Field>
                <button type="submit" className="btn btn-small" disabled={busy}>
                  Add
                </button>
              </form>
            )}
          </div>
          {(tree.children.length > 0 || data.data.usedBy.length > 0) && (
            <div className="fp-graph-wrap">
              <h3 className="subhead">Graph</h3>
              <FourthPartyGraph data={data.data} />
            </div>
          )}
        </div>
      )}
    </section>
  );
}

function Comments({ vendor }: { vendor: Vendor }) {
  const { can } = useSession();
  const list = useAsync<{ items: Comment[] }>((signal) => api.get(`/api/v1/vendors/${vendor.id}/comments`, undefined, signal), [vendor.id]);
  const [body, setBody] = useState('');
  const [error, setError] = useState('');
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const post = async (event?: FormEvent) => {
    event?.preventDefault();
    setFailure(null);
    if (!body.trim()) return setError('Write something first.');
    setError('');
    setBusy(true);
    try {
      const created = await api.post<Comment>(`/api/v1/vendors/${vendor.id}/comments`, { body: body.trim() });
      list.setData({ items: [...(list.data?.items ?? []), created] });
      setBody('');
    } catch (e) {
      const mapped = fieldErrors(e, ['/body']);
      if (mapped['/body']) setError(mapped['/body']);
      else setFailure(e);
    } finally {
      setBusy(false);
    }
  };

  const items = list.data?.items ?? [];
  return (
    <section className="card" id="comments" aria-labelledby="comments-title">
      <header className="card-head">
        <h2 id="comments-title">
          Comments <span className="count">{list.data ? items.length : ''}</span>
        </h2>
      </header>
      <ErrorBanner error={list.error ?? failure} onRetry={list.error ? list.reload : undefined} />
      {items.length === 0 && list.data && <Empty>No comments yet.</Empty>}
      <ol className="comments">
        {items.map((c) => (
          <li key={c.id}>
            <p className="comment-meta">
              <strong>{c.authorName}</strong>{' '}
              <time className="muted" dateTime={c.createdAt} title={formatDateTime(c.createdAt)}>
                {relativeTime(c.createdAt)}
              </time>
            </p>
            <p className="comment-body">{c.body}</p>
          </li>
        ))}
      </ol>
      {can('comments:write') && (
        <form onSubmit={post} noValidate className="comment-form">
          <Field label="Add a comment" error={error} hint="Ctrl+Enter to post. Visible to everyone who can see this vendor.">
            {(p) => (
              <textarea
                {...p}
                name="comment"
                rows={3}
                value={body}
                onChange={(e) => setBody(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void post();
                }}
              />
            )}
          </Field>
          <button type="submit" className="btn btn-small" disabled={busy}>
            {busy ? 'Posting…' : 'Post comment'}
          </button>
        </form>
      )}
    </section>
  );
}

const HIDDEN_KEYS = new Set(['updatedAt', 'createdAt', 'id', 'vendorId', 'inherentRisk', 'subcontractorCount']);

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'string' && ISO_TIME.test(value)) return formatDateTime(value);
  if (Array.isArray(value)) return value.length ? value.map(show).join(', ') : '—';
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.name === 'string') return o.name;
    const entries = Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== '');
    return entries.length ? entries.map(([k, v]) => `${words(k)} ${show(v)}`).join(', ') : '—';
  }
  return String(value);
}

/** What an audit event changed, as "field: before → after" lines; creations and deletions name the record. */
/** "dataCategories" → "data categories": field names as words. */
function words(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** An SBOM upload or deletion as a sentence: "release 18.12.416: CycloneDX 1.5, 50 components, 29.0 KB". */
function describeSbom(o: Record<string, unknown>): string {
  const format = o.format === 'cyclonedx' ? 'CycloneDX' : o.format === 'spdx' ? 'SPDX' : String(o.format ?? 'SBOM');
  const parts = [`${format}${o.specVersion ? ` ${String(o.specVersion)}` : ''}`];
  if (typeof o.componentCount === 'number') parts.push(plural(o.componentCount, 'component'));
  if (typeof o.dependencyCount === 'number') parts.push(plural(o.dependencyCount, 'dependency', 'dependencies'));
  if (typeof o.byteSize === 'number') parts.push(formatBytes(o.byteSize));
  return `release ${String(o.release ?? '—')}: ${parts.join(', ')}${o.supersedes ? ' (replaces the earlier upload of this release)' : ''}`;
}

function changesOf(e: AuditEvent): ReactNode {
  const before = e.before as Record<string, unknown> | null;
  const after = e.after as Record<string, unknown> | null;
  if (e.action.startsWith('sbom.') && (after ?? before)) return <span>{describeSbom((after ?? before)!)}</span>;
  const label = (o: Record<string, unknown> | null) => (o ? String(o.name ?? o.title ?? '') : '');
  if (before && after && typeof before === 'object' && typeof after === 'object') {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !HIDDEN_KEYS.has(k) && show(before[k]) !== show(after[k]));
    const scoreBefore = (before.inherentRisk as { score?: number } | undefined)?.score;
    const scoreAfter = (after.inherentRisk as { score?: number } | undefined)?.score;
    if (!keys.length && scoreBefore === scoreAfter) return <span className="muted">no visible change</span>;
    return (
      <ul className="changes">
        {keys.slice(0, 8).map((k) => (
          <li key={k}>
            <span className="change-key">{words(k)}</span> <span className="change-old">{show(before[k])}</span> → <span className="change-new">{show(after[k])}</span>
          </li>
        ))}
        {keys.length > 8 && <li className="muted">and {keys.length - 8} more</li>}
        {scoreBefore !== scoreAfter && scoreAfter !== undefined && (
          <li>
            <span className="change-key">score</span> <span className="change-old">{scoreBefore === undefined ? '—' : formatScore(scoreBefore)}</span> → <span className="change-new">{formatScore(scoreAfter)}</span>
          </li>
        )}
      </ul>
    );
  }
  if (after && typeof after === 'object' && typeof after.body === 'string') return <q className="quote">{after.body.length > 160 ? `${after.body.slice(0, 159)}…` : after.body}</q>;
  if (after && typeof after === 'object') return <span>{label(after) || show(after)}</span>;
  if (before && typeof before === 'object') return <span className="change-old">{label(before) || show(before)}</span>;
  return <span className="muted">—</span>;
}

function History({ vendor }: { vendor: Vendor }) {
  const [pages, setPages] = useState<string[]>([]);
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const first = useAsync<Page<AuditEvent>>((signal) => api.get(`/api/v1/vendors/${vendor.id}/history`, { limit: 20 }, signal), [vendor.id]);
  const [more, setMore] = useState<{ loading: boolean; error: unknown }>({ loading: false, error: null });

  const all = [...(first.data?.items ?? []), ...events];
  const cursor = pages.length ? next : (first.data?.nextCursor ?? null);
  const loadMore = async () => {
    if (!cursor) return;
    setMore({ loading: true, error: null });
    try {
      const page = await api.get<Page<AuditEvent>>(`/api/v1/vendors/${vendor.id}/history`, { limit: 50, cursor });
      setEvents((e) => [...e, ...page.items]);
      setNext(page.nextCursor);
      setPages((p) => [...p, cursor]);
      setMore({ loading: false, error: null });
    } catch (error) {
      setMore({ loading: false, error });
    }
  };

  return (
    <section className="card" id="history" aria-labelledby="history-title">
      <header className="card-head">
        <h2 id="history-title">History</h2>
        <span className="muted small">from the tamper-evident audit trail</span>
      </header>
      <ErrorBanner error={first.error ?? more.error} onRetry={first.error ? first.reload : undefined} />
      {first.loading && !first.data ? (
        <Loading />
      ) : all.length === 0 ? (
        <Empty>No recorded changes.</Empty>
      ) : (
        <DataTable
          rows={all}
          rowKey={(e) => e.id}
          className="table-history"
          columns={[
            {
              header: 'When',
              className: 'nowrap',
              cell: (e) => (
                <time dateTime={e.at} title={formatDateTime(e.at)}>
                  {formatDateTime(e.at)}
                </time>
              ),
            },
            { header: 'Who', cell: (e) => e.actor.name },
            {
              header: 'What',
              cell: (e) => (
                <>
                  {describeAction(e.action).replace(/ (to|from|for|on)$/, '').replace(/ vendor$/, '')}
                  {e.entityType !== 'vendor' && !e.action.startsWith(`${e.entityType}.`) && <span className="muted small"> ({e.entityType})</span>}
                </>
              ),
            },
            { header: 'Change', cell: changesOf },
          ]}
        />
      )}
      {cursor && (
        <button type="button" className="btn btn-small" onClick={() => void loadMore()} disabled={more.loading}>
          {more.loading ? 'Loading…' : 'Show older changes'}
        </button>
      )}
    </section>
  );
}

function ReviewDialog({ vendor, onClose, onDone }: { vendor: Vendor; onClose: () => void; onDone: (v: Vendor) => void }) {
  const [note, setNote] = useState('');
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      onDone(await api.post<Vendor>(`/api/v1/vendors/${vendor.id}/reviews`, note.trim() ? { note: note.trim() } : {}));
    } catch (e) {
      setBusy(false);
      setFailure(e);
    }
  };
  return (
    <Dialog title={`Mark ${vendor.name} reviewed`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <p>
          Records a completed review today. The next review is scheduled from the {vendor.tier} cadence.
        </p>
        <Field label="Review note" hint="Optional; kept in the audit trail.">
          {(p) => <textarea {...p} name="note" rows={3} value={note} onChange={(e) => setNote(e.target.value)} autoFocus />}
        </Field>
        <div aria-live="assertive" className="summary-slot">
          <ErrorBanner error={failure} />
        </div>
        <footer className="dialog-foot">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <SubmitButton busy={busy} label="Mark reviewed" />
        </footer>
      </form>
    </Dialog>
  );
}

function DeleteDialog({ vendor, onClose }: { vendor: Vendor; onClose: () => void }) {
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const remove = async () => {
    setBusy(true);
    try {
      await api.delete(`/api/v1/vendors/${vendor.id}`);
      navigate('/vendors');
    } catch (e) {
      setBusy(false);
      setFailure(e);
    }
  };
  return (
    <Dialog title={`Delete ${vendor.name}?`} onClose={onClose}>
      <p>
        This deletes the vendor with its {plural(vendor.subcontractorCount, 'subcontractor link')}, products, contacts and contracts. The audit trail keeps a record.
      </p>
      <div aria-live="assertive" className="summary-slot">
        {failure ? <p className="banner banner-error" role="alert">{describeError(failure)}</p> : null}
      </div>
      <footer className="dialog-foot">
        <button type="button" className="btn" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button type="button" className="btn btn-danger" onClick={() => void remove()} disabled={busy}>
          {busy ? 'Deleting…' : 'Delete vendor'}
        </button>
      </footer>
    </Dialog>
  );
}
