import { useRef, useState, type FormEvent } from 'react';
import { api, ApiError, fieldErrors } from '../api.js';
import { CheckboxGroup, ErrorBanner, ErrorSummary, Field, Loading, SubmitButton, useAsync, useDocumentTitle } from '../components.js';
import { formatScore, splitList } from '../format.js';
import { setFlash } from '../flash.js';
import { previewScore, RiskBreakdown } from '../risk.js';
import { Link, navigate } from '../router.js';
import { useSession } from '../session.js';
import { ACCESS_LEVELS, DATA_CATEGORIES, VENDOR_STATUSES, type Factor, type AccessLevel, type DataCategory, type Page, type RiskModel, type Team, type Vendor, type VendorInput, type VendorStatus } from '../types.js';
import { VendorPicker, type PickedVendor } from '../VendorPicker.js';

/** The same rule the API applies (vendors.schemas.ts), so most mistakes are caught before sending. */
const DOMAIN = /^(?=.{1,253}$)(\*\.)?([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$/;

export const CRITICALITY = ['supports nothing important', 'supports a business process', 'supports an important process', 'mission-critical'];
export const SUBSTITUTABILITY = ['replaceable within days', 'replaceable within weeks', 'replaceable within months', 'no practical alternative'];
const ACCESS_HELP: Record<AccessLevel, string> = {
  none: 'none — no access to our premises or systems',
  physical: 'physical — on-site access',
  network: 'network — reaches our network',
  integrated: 'integrated — connected to our systems',
  privileged: 'privileged — administrative access',
};

interface Values {
  name: string;
  aliases: string;
  domains: string;
  website: string;
  country: string;
  description: string;
  lei: string;
  duns: string;
  vat: string;
  status: VendorStatus;
  team: string;
  businessOwner: string;
  ownerUserId: string;
  parent: PickedVendor;
  dataCategories: DataCategory[];
  /** '' (or 0) while the risk factor is not answered: it is then left out of the body. */
  accessLevel: AccessLevel | '';
  criticality: number;
  substitutability: number;
  software: '' | 'no' | 'yes' | 'auto';
  regulatoryScope: string;
  annualSpend: string;
  currency: string;
  services: string;
}

/** Form keys are the API's JSON pointers, so server errors land next to the right input. */
const LABELS: Record<string, string> = {
  '/name': 'Name',
  '/aliases': 'Aliases',
  '/domains': 'Domains',
  '/website': 'Website',
  '/country': 'Country',
  '/description': 'Description',
  '/legalIds/lei': 'LEI',
  '/legalIds/duns': 'D-U-N-S',
  '/legalIds/vat': 'VAT id',
  '/legalIds': 'Legal ids',
  '/status': 'Status',
  '/team': 'Owning team',
  '/businessOwner': 'Business owner',
  '/ownerUserId': 'Owner (user)',
  '/parentVendorId': 'Parent vendor',
  '/dataCategories': 'Data shared',
  '/accessLevel': 'Access level',
  '/criticality': 'Business criticality',
  '/substitutability': 'Substitutability',
  '/shipsSoftware': 'Software',
  '/autoUpdate': 'Software',
  '/regulatoryScope': 'Regulatory scope',
  '/annualSpend': 'Annual spend',
  '/currency': 'Currency',
  '/services': 'Services',
};
const KEYS = Object.keys(LABELS);

function valuesOf(v?: Vendor, parentName?: string): Values {
  // A new vendor starts with every factor unanswered; an existing one shows its unanswered factors as such.
  const known = (factor: Factor) => Boolean(v && !v.inherentRisk.missing.includes(factor));
  return {
    name: v?.name ?? '',
    aliases: v?.aliases.join(', ') ?? '',
    domains: v?.domains.join(', ') ?? '',
    website: v?.website ?? '',
    country: v?.country ?? '',
    description: v?.description ?? '',
    lei: v?.legalIds.lei ?? '',
    duns: v?.legalIds.duns ?? '',
    vat: v?.legalIds.vat ?? '',
    status: v?.status ?? 'active',
    team: v?.team?.key ?? '',
    businessOwner: v?.businessOwner ?? '',
    ownerUserId: v?.ownerUserId ?? '',
    parent: { text: parentName ?? '', id: v?.parentVendorId ?? null },
    dataCategories: v?.dataCategories ?? [],
    accessLevel: known('accessLevel') ? v!.accessLevel : '',
    criticality: known('criticality') ? v!.criticality : 0,
    substitutability: known('substitutability') ? v!.substitutability : 0,
    software: known('softwareSupply') ? (v!.shipsSoftware ? (v!.autoUpdate ? 'auto' : 'yes') : 'no') : '',
    regulatoryScope: v?.regulatoryScope.join(', ') ?? '',
    annualSpend: v?.annualSpend == null ? '' : String(v.annualSpend),
    currency: v?.currency ?? '',
    services: v?.services.join(', ') ?? '',
  };
}

const orNull = (s: string) => (s.trim() ? s.trim() : null);

type RiskAnswers = 'accessLevel' | 'criticality' | 'substitutability' | 'shipsSoftware' | 'autoUpdate';
type Body = Omit<VendorInput, RiskAnswers> & Partial<Pick<VendorInput, RiskAnswers>> & { ownerUserId: string | null };

function bodyOf(f: Values): Body {
  const legalIds: VendorInput['legalIds'] = {};
  if (f.lei.trim()) legalIds.lei = f.lei.trim().toUpperCase();
  if (f.duns.trim()) legalIds.duns = f.duns.trim();
  if (f.vat.trim()) legalIds.vat = f.vat.trim().replace(/\s+/g, '');
  return {
    name: f.name.trim(),
    aliases: splitList(f.aliases),
    domains: splitList(f.domains.replace(/\s+/g, ' ')).flatMap((d) => d.split(' ')).filter(Boolean),
    legalIds,
    country: f.country.trim() ? f.country.trim().toUpperCase() : null,
    website: orNull(f.website),
    description: orNull(f.description),
    status: f.status,
    businessOwner: orNull(f.businessOwner),
    ownerUserId: f.ownerUserId || null,
    team: f.team || null,
    services: splitList(f.services),
    dataCategories: f.dataCategories,
    ...(f.accessLevel ? { accessLevel: f.accessLevel } : {}),
    ...(f.criticality ? { criticality: f.criticality } : {}),
    ...(f.substitutability ? { substitutability: f.substitutability } : {}),
    annualSpend: f.annualSpend.trim() === '' ? null : Number(f.annualSpend),
    currency: f.currency.trim() ? f.currency.trim().toUpperCase() : null,
    regulatoryScope: splitList(f.regulatoryScope),
    ...(f.software ? { shipsSoftware: f.software !== 'no', autoUpdate: f.software === 'auto' } : {}),
    parentVendorId: f.parent.id,
  };
}

function validate(f: Values, body: Body): Record<string, string> {
  const e: Record<string, string> = {};
  if (!body.name) e['/name'] = 'is required';
  else if (body.name.length > 300) e['/name'] = 'must be at most 300 characters';
  const badDomains = body.domains.filter((d) => !DOMAIN.test(d));
  if (badDomains.length) e['/domains'] = `${badDomains.map((d) => `“${d}”`).join(', ')} ${badDomains.length === 1 ? 'is not a valid domain name' : 'are not valid domain names'} (e.g. example.com or *.example.com)`;
  if (body.aliases.some((a) => a.length > 300)) e['/aliases'] = 'each alias must be at most 300 characters';
  if (body.website) {
    let ok = /^https?:\/\//i.test(body.website);
    try {
      new URL(body.website);
    } catch {
      ok = false;
    }
    if (!ok) e['/website'] = 'must be a full address starting with https:// or http://';
  }
  if (body.country && !/^[A-Z]{2}$/.test(body.country)) e['/country'] = 'must be a two-letter ISO country code such as DE';
  if (body.currency && !/^[A-Z]{3}$/.test(body.currency)) e['/currency'] = 'must be a three-letter currency code such as EUR';
  if (body.legalIds.lei && !/^[A-Z0-9]{18}[0-9]{2}$/.test(body.legalIds.lei)) e['/legalIds/lei'] = 'must be a 20-character LEI: 18 letters or digits, then 2 digits';
  if (body.legalIds.duns && !/^[0-9]{9}$/.test(body.legalIds.duns)) e['/legalIds/duns'] = 'must be a 9-digit D-U-N-S number';
  if (body.legalIds.vat && !/^[A-Z]{2}[A-Za-z0-9+*.]{2,13}$/.test(body.legalIds.vat)) e['/legalIds/vat'] = 'must start with a two-letter country prefix, e.g. DE123456789';
  if (body.annualSpend !== null && !(Number.isFinite(body.annualSpend) && body.annualSpend >= 0)) e['/annualSpend'] = 'must be a number of at least 0';
  if (f.parent.text.trim() && !f.parent.id) e['/parentVendorId'] = `no vendor is named “${f.parent.text.trim()}”; pick one from the suggestions`;
  if (body.regulatoryScope.some((r) => r.length > 64)) e['/regulatoryScope'] = 'each entry must be at most 64 characters';
  return e;
}

/** Only the fields that changed, so an edit never overwrites what someone else just changed. */
function changes(before: ReturnType<typeof bodyOf>, after: ReturnType<typeof bodyOf>): Partial<ReturnType<typeof bodyOf>> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(after) as Array<keyof typeof after>) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = after[key];
  }
  return out as Partial<ReturnType<typeof bodyOf>>;
}

interface Loaded {
  vendor?: Vendor;
  parentName?: string;
  teams: Team[];
  model: RiskModel | null;
  users: Array<{ id: string; name: string; email: string }> | null;
}

export function VendorFormPage({ id }: { id?: string }) {
  const { can } = useSession();
  const loaded = useAsync<Loaded>(
    async (signal) => {
      const [vendor, teams, model, users] = await Promise.all([
        id ? api.get<Vendor>(`/api/v1/vendors/${id}`, undefined, signal) : Promise.resolve(undefined),
        api.get<Page<Team>>('/api/v1/teams', undefined, signal),
        api.get<RiskModel>('/api/v1/settings/risk-model', undefined, signal).catch(() => null),
        can('users:manage') ? api.get<Page<{ id: string; name: string; email: string }>>('/api/v1/users', undefined, signal).then((p) => p.items, () => null) : Promise.resolve(null),
      ]);
      const parentName = vendor?.parentVendorId ? await api.get<Vendor>(`/api/v1/vendors/${vendor.parentVendorId}`, undefined, signal).then((p) => p.name, () => '') : undefined;
      return { vendor, parentName, teams: teams.items, model, users };
    },
    [id],
  );
  useDocumentTitle(id ? `Edit ${loaded.data?.vendor?.name ?? 'vendor'}` : 'New vendor');

  if (loaded.error) {
    return (
      <div className="page">
        <ErrorBanner error={loaded.error} onRetry={loaded.reload} />
      </div>
    );
  }
  if (!loaded.data) {
    return (
      <div className="page">
        <Loading />
      </div>
    );
  }
  return <VendorForm {...loaded.data} />;
}

function VendorForm({ vendor, parentName, teams, model, users }: Loaded) {
  const initial = useRef(valuesOf(vendor, parentName));
  const [values, setValues] = useState<Values>(initial.current);
  const [serverErrors, setServerErrors] = useState<Record<string, { message: string; value: string }>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [submitted, setSubmitted] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const editing = Boolean(vendor);

  const set = <K extends keyof Values>(key: K, value: Values[K]) => setValues((v) => ({ ...v, [key]: value }));
  const body = bodyOf(values);

  // Client checks run live once the user has tried to submit; a server error stays until its field changes.
  const errors: Record<string, string> = {};
  for (const [key, e] of Object.entries(serverErrors)) if (snapshot(body, key) === e.value) errors[key] = e.message;
  if (submitted) Object.assign(errors, validate(values, body));

  const focusFirstError = () =>
    requestAnimationFrame(() => {
      const el = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
      el?.focus();
    });

  const focusField = (key: string) => {
    const name = FOCUS_NAME[key] ?? key.slice(1).replace(/\//g, '.');
    formRef.current?.querySelector<HTMLElement>(`[name="${name}"]`)?.focus();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    setFailure(null);
    setServerErrors({});
    if (Object.keys(validate(values, body)).length) return focusFirstError();
    const payload = editing ? changes(bodyOf(initial.current), body) : body;
    if (!payload.ownerUserId && !editing) delete payload.ownerUserId;
    if (editing && Object.keys(payload).length === 0) {
      navigate(`/vendors/${vendor!.id}`);
      return;
    }
    setBusy(true);
    try {
      const saved = editing ? await api.patch<Vendor>(`/api/v1/vendors/${vendor!.id}`, payload) : await api.post<Vendor>('/api/v1/vendors', payload);
      const tier = saved.tierProvisional ? `tier ${saved.tier}, provisional until ${saved.inherentRisk.missing.length} more risk factor${saved.inherentRisk.missing.length === 1 ? ' is' : 's are'} answered` : `tier ${saved.tier}`;
      setFlash(`${editing ? 'Saved' : 'Created'} ${saved.name}. Score ${formatScore(saved.inherentRisk.score)}, ${tier}.`);
      navigate(`/vendors/${saved.id}`);
    } catch (error) {
      setBusy(false);
      const mapped = fieldErrors(error, KEYS, payload);
      const general = mapped[''];
      delete mapped[''];
      setServerErrors(Object.fromEntries(Object.entries(mapped).map(([key, message]) => [key, { message, value: snapshot(body, key) }])));
      if (general || !(error instanceof ApiError) || !Object.keys(mapped).length) setFailure(general ? new Error(general) : error);
      focusFirstError();
    }
  };

  const preview = model ? previewScore(body, vendor?.subcontractorCount ?? 0, model) : null;
  const text = (key: keyof Values, pointer: string, props: { label?: string; hint?: string; required?: boolean; type?: string; placeholder?: string; className?: string; inputMode?: 'numeric' | 'decimal'; maxLength?: number; autoComplete?: string } = {}) => (
    <Field label={props.label ?? LABELS[pointer]} error={errors[pointer]} hint={props.hint} required={props.required} className={props.className}>
      {(p) => (
        <input
          {...p}
          name={pointer.slice(1).replace(/\//g, '.')}
          type={props.type ?? 'text'}
          placeholder={props.placeholder}
          inputMode={props.inputMode}
          maxLength={props.maxLength}
          autoComplete={props.autoComplete ?? 'off'}
          value={values[key] as string}
          onChange={(e) => set(key, e.target.value as never)}
        />
      )}
    </Field>
  );

  return (
    <div className="page page-wide">
      <div className="page-head">
        <div>
          <p className="crumbs">
            <Link to="/vendors">Inventory</Link>
            {vendor && (
              <>
                {' / '}
                <Link to={`/vendors/${vendor.id}`}>{vendor.name}</Link>
              </>
            )}
          </p>
          <h1>{editing ? `Edit ${vendor!.name}` : 'New vendor'}</h1>
        </div>
      </div>
      <div className="form-layout">
        <form ref={formRef} className="vendor-form" onSubmit={submit} noValidate aria-label={editing ? 'Edit vendor' : 'New vendor'}>
          <ErrorSummary errors={errors} labels={LABELS} onSelect={focusField} />
          <ErrorBanner error={failure} />

          <fieldset className="card">
            <legend>Identity</legend>
            <div className="grid-fields">
              {text('name', '/name', { required: true, maxLength: 300, className: 'span-2' })}
              {text('aliases', '/aliases', { hint: 'Other names, separated by commas.' })}
              {text('domains', '/domains', { hint: 'Separated by commas, e.g. 3cx.com, *.3cx.net. Used to attribute traffic and indicators.' })}
              {text('website', '/website', { type: 'url', placeholder: 'https://' })}
              {text('country', '/country', { hint: 'ISO code, e.g. DE', maxLength: 2, className: 'narrow' })}
              <Field label={LABELS['/description']} error={errors['/description']} className="span-2">
                {(p) => <textarea {...p} name="description" rows={3} value={values.description} onChange={(e) => set('description', e.target.value)} />}
              </Field>
              {text('lei', '/legalIds/lei', { hint: 'Legal Entity Identifier, 20 characters.', maxLength: 20 })}
              {text('duns', '/legalIds/duns', { hint: '9 digits.', inputMode: 'numeric', maxLength: 9 })}
              {text('vat', '/legalIds/vat', { hint: 'With country prefix, e.g. DE123456789.' })}
            </div>
          </fieldset>

          <fieldset className="card">
            <legend>Ownership</legend>
            <div className="grid-fields">
              <Field label={LABELS['/status']} error={errors['/status']}>
                {(p) => (
                  <select {...p} name="status" value={values.status} onChange={(e) => set('status', e.target.value as VendorStatus)}>
                    {VENDOR_STATUSES.map((s) => (
                      <option key={s} value={s}>
                        {s}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={LABELS['/team']} error={errors['/team']}>
                {(p) => (
                  <select {...p} name="team" value={values.team} onChange={(e) => set('team', e.target.value)}>
                    <option value="">No team</option>
                    {teams.map((t) => (
                      <option key={t.id} value={t.key}>
                        {t.name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {text('businessOwner', '/businessOwner', { hint: 'Person or role accountable for the relationship.' })}
              {users ? (
                <Field label={LABELS['/ownerUserId']} error={errors['/ownerUserId']}>
                  {(p) => (
                    <select {...p} name="ownerUserId" value={values.ownerUserId} onChange={(e) => set('ownerUserId', e.target.value)}>
                      <option value="">Nobody</option>
                      {users.map((u) => (
                        <option key={u.id} value={u.id}>
                          {u.name} ({u.email})
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
              ) : null}
              <VendorPicker
                label={LABELS['/parentVendorId']}
                name="parentVendor"
                value={values.parent}
                onChange={(parent) => set('parent', parent)}
                error={errors['/parentVendorId']}
                excludeId={vendor?.id}
                hint="The group this vendor belongs to, if it is in the inventory."
              />
              {text('services', '/services', { hint: 'What they do for us, separated by commas.' })}
            </div>
          </fieldset>

          <fieldset className="card">
            <legend>Risk inputs</legend>
            <CheckboxGroup legend={LABELS['/dataCategories']} name="dataCategories" options={DATA_CATEGORIES} value={values.dataCategories} onChange={(v) => set('dataCategories', v)} error={errors['/dataCategories']} />
            <div className="grid-fields">
              <Field label={LABELS['/accessLevel']} error={errors['/accessLevel']}>
                {(p) => (
                  <select {...p} name="accessLevel" value={values.accessLevel} onChange={(e) => set('accessLevel', e.target.value as AccessLevel | '')}>
                    <option value="">— not answered yet —</option>
                    {ACCESS_LEVELS.map((a) => (
                      <option key={a} value={a}>
                        {ACCESS_HELP[a]}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={LABELS['/criticality']} error={errors['/criticality']}>
                {(p) => (
                  <select {...p} name="criticality" value={values.criticality} onChange={(e) => set('criticality', Number(e.target.value))}>
                    <option value={0}>— not answered yet —</option>
                    {CRITICALITY.map((label, i) => (
                      <option key={label} value={i + 1}>
                        {i + 1} — {label}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={LABELS['/substitutability']} error={errors['/substitutability']}>
                {(p) => (
                  <select {...p} name="substitutability" value={values.substitutability} onChange={(e) => set('substitutability', Number(e.target.value))}>
                    <option value={0}>— not answered yet —</option>
                    {SUBSTITUTABILITY.map((label, i) => (
                      <option key={label} value={i + 1}>
                        {i + 1} — {label}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {text('regulatoryScope', '/regulatoryScope', { hint: 'e.g. GDPR, NIS2, DORA — separated by commas.' })}
              <Field label={LABELS['/shipsSoftware']} error={errors['/shipsSoftware'] ?? errors['/autoUpdate']}>
                {(p) => (
                  <select {...p} name="software" value={values.software} onChange={(e) => set('software', e.target.value as Values['software'])}>
                    <option value="">— not answered yet —</option>
                    <option value="no">ships no software</option>
                    <option value="yes">ships software that runs in our estate</option>
                    <option value="auto">ships software that updates itself from the vendor</option>
                  </select>
                )}
              </Field>
            </div>
          </fieldset>

          <fieldset className="card">
            <legend>Commercial</legend>
            <div className="grid-fields">
              {text('annualSpend', '/annualSpend', { type: 'number', inputMode: 'decimal' })}
              {text('currency', '/currency', { hint: 'e.g. EUR', maxLength: 3, className: 'narrow' })}
            </div>
          </fieldset>

          <div className="form-actions">
            <SubmitButton busy={busy} label={editing ? 'Save changes' : 'Create vendor'} />
            <Link className="btn" to={vendor ? `/vendors/${vendor.id}` : '/vendors'}>
              Cancel
            </Link>
          </div>
        </form>

        {preview && model && (
          <aside className="card preview" aria-labelledby="preview-title">
            <header className="card-head">
              <h2 id="preview-title">Score preview</h2>
            </header>
            <RiskBreakdown score={preview.score} tier={preview.tier} terms={preview.terms} thresholds={model.tierThresholds} caption="Score preview" missing={preview.missing} />
            <p className="hint">Updates as you answer; the server computes the stored score when you save.</p>
          </aside>
        )}
      </div>
    </div>
  );
}

/** Inputs whose name is not their pointer's path. */
const FOCUS_NAME: Record<string, string> = { '/parentVendorId': 'parentVendor', '/legalIds': 'legalIds.lei' };

/** The value a form key (a JSON pointer) points at in the body, as text to compare. */
function snapshot(body: unknown, pointer: string): string {
  let node: unknown = body;
  for (const part of pointer.split('/').slice(1)) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  return JSON.stringify(node ?? null);
}
