import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { recordAudit } from '../../platform/audit/audit.js';
import { hashSecret, newSecret } from '../../platform/auth/secrets.js';
import type { Actor, RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { AppError, conflict, invalidField, notFound, payloadTooLarge } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Mailer } from '../../platform/mail.js';
import { SettingsDocument } from '../../platform/settings.js';
import type { Assessment, AssessmentDetail } from '../assessments/assessments.schemas.js';
import type { AssessmentService } from '../assessments/assessments.service.js';
import type { QuestionnaireService } from '../questionnaires/questionnaires.service.js';
import type { SbomService } from '../sboms/sboms.service.js';
import type { VendorService } from '../vendors/vendors.service.js';
import { checkEvidence } from './portal.files.js';
import { PortalRepository } from './portal.repository.js';
import type { PortalAssessment, PortalFile, PortalSettings } from './portal.schemas.js';
import type { PortalFilesTable, PortalTokensTable } from './portal.tables.js';

export const PORTAL_SETTINGS_KEY = 'portal';
export const REMINDER_JOB = 'assessments.remind';
export const REMINDER_SCHEDULE = { name: 'assessment-reminders', cron: '20 * * * *', jobKind: REMINDER_JOB };
export const PRUNE_BLOBS_JOB = 'portal.prune-blobs';
export const PRUNE_BLOBS_SCHEDULE = { name: 'evidence-blob-prune', cron: '40 3 * * *', jobKind: PRUNE_BLOBS_JOB };
/** Unreferenced bytes younger than this stay: an upload may be about to reference them. */
const BLOB_GRACE_MS = 3_600_000;

const DEFAULT_SETTINGS: PortalSettings = { publicUrl: null, invitationDays: 14, sessionHours: 12, reminderDaysBefore: 3, overdueEveryDays: 7 };
const SETTINGS = new SettingsDocument(PORTAL_SETTINGS_KEY, DEFAULT_SETTINGS, { action: 'settings.portal.update' });
const DAY_MS = 86_400_000;
/** last_used_at is a hint for humans; writing it on every request would turn reads into writes. */
const TOUCH_INTERVAL_MS = 60_000;
/** Statuses in which the vendor sees an assessment (not drafts, not cancelled ones). */
const VENDOR_VISIBLE = new Set(['sent', 'in_progress', 'submitted', 'in_review', 'closed']);
/** Statuses in which a link may still be sent. */
const INVITABLE = new Set(['draft', 'sent', 'in_progress']);

/** What the portal uses of the assessment module; every call from a portal session passes its vendor as the scope. */
type Assessments = Pick<AssessmentService, 'get' | 'listForVendor' | 'markSent' | 'saveAnswers' | 'submit' | 'dueForReminder'>;

export interface PortalDeps {
  mailer: Mailer;
  vendors: VendorService;
  sboms: SbomService;
  logger: Logger;
  publicUrl: string;
  maxFileBytes: number;
  assessments: Assessments;
  questionnaires: Pick<QuestionnaireService, 'getVersion'>;
  /** The business services a vendor is linked to (per-service questions ask one number each). */
  linkedServices?: (vendorId: string) => Promise<Array<{ id: string; name: string }>>;
  now?: () => number;
}

const linkGone = (id: 'link_used' | 'link_expired') =>
  new AppError(id, id === 'link_used' ? 'this portal link has been used already: links work once; ask your contact for a new one' : 'this portal link has expired: ask your contact for a new one');

function presentFile(row: PortalFilesTable): PortalFile {
  return { id: row.id, name: row.name, mediaType: row.media_type, sizeBytes: Number(row.size_bytes), sha256: row.sha256, createdAt: row.created_at };
}

/** File ids an answer value names: a file question's id, an SBOM answer's fileId. */
function fileIdsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object' && typeof (value as { fileId?: unknown }).fileId === 'string') return [(value as { fileId: string }).fileId];
  return [];
}

/**
 * The vendor portal: invitation links, the portal principal's sessions, evidence files, the
 * vendor's view of its assessments (every read and write scoped to the session's vendor) and the
 * reminders sent before and after due dates.
 */
export class PortalService {
  private readonly now: () => number;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly deps: PortalDeps,
  ) {
    this.now = deps.now ?? Date.now;
  }

  private repo(executor: Executor = this.db) {
    return new PortalRepository(executor);
  }

  private assessments(): Assessments {
    return this.deps.assessments;
  }

  async settings(executor: Executor = this.db): Promise<PortalSettings> {
    return SETTINGS.read(executor);
  }

  async setSettings(settings: PortalSettings, ctx: RequestContext): Promise<PortalSettings> {
    const after = { ...settings, publicUrl: settings.publicUrl ? settings.publicUrl.replace(/\/+$/, '') : null };
    return this.db.transaction().execute((trx) => SETTINGS.replace(trx, after, ctx));
  }

  // Invitations ---------------------------------------------------------------------------------

  /**
   * A single-use link to the assessment's vendor portal (draft → sent), e-mailed to the contact
   * (the named one, else the vendor's primary contact with an e-mail) when e-mail is on. The link's
   * secret is returned once and stored hashed; an e-mail that fails leaves the link valid and says so.
   */
  async invite(assessmentId: string, input: { contactId?: string; expiresInDays?: number }, ctx: RequestContext) {
    const assessment = await this.assessments().get(assessmentId);
    if (!INVITABLE.has(assessment.status)) throw conflict(`assessment ${assessmentId} is ${assessment.status}: links are sent for draft, sent or in-progress assessments`);
    return this.sendLink(assessment.vendorId, assessment, input, ctx, (name, url, expiresAt) => ({
      subject: `Security assessment for ${assessment.vendorName}: ${assessment.templateName}`,
      text: invitationText(name, assessment, url, expiresAt),
    }));
  }

  /**
   * A single-use link to the vendor's portal that opens no assessment: how a vendor with none under
   * way reaches "Report an incident". E-mailed like an assessment's link.
   */
  async portalAccess(vendorId: string, input: { contactId?: string; expiresInDays?: number }, ctx: RequestContext) {
    const vendor = await this.deps.vendors.get(vendorId);
    return this.sendLink(vendor.id, null, input, ctx, (name, url, expiresAt) => ({
      subject: `Vendor portal access for ${vendor.name}`,
      text: accessText(name, vendor.name, url, expiresAt),
    }));
  }

  private async sendLink(
    vendorId: string,
    assessment: AssessmentDetail | null,
    input: { contactId?: string; expiresInDays?: number },
    ctx: RequestContext,
    message: (name: string, url: string, expiresAt: string) => { subject: string; text: string },
  ) {
    const contacts = await this.deps.vendors.listContacts(vendorId);
    const contact = input.contactId
      ? contacts.find((c) => c.id === input.contactId)
      : (contacts.filter((c) => c.email).sort((a, b) => Number(b.isPrimary) - Number(a.isPrimary))[0] ?? undefined);
    if (input.contactId && !contact) throw invalidField('/contactId', 'is not a contact of this vendor');
    const settings = await this.settings();
    const created = await this.issueLink(vendorId, assessment, contact?.email ?? null, contact?.id ?? null, input.expiresInDays ?? settings.invitationDays, settings, ctx, true);
    let emailedTo: string | null = null;
    let emailError: string | undefined;
    if (contact?.email && (await this.deps.mailer.enabled())) {
      try {
        await this.deps.mailer.send({ to: contact.email, ...message(contact.name, created.url, created.expiresAt) });
        await this.repo().markEmailed(created.id, new Date(this.now()).toISOString());
        emailedTo = contact.email;
      } catch (error) {
        emailError = `e-mail to ${contact.email} failed: ${(error as Error).message}`;
        this.deps.logger.warn({ vendorId, assessmentId: assessment?.id ?? null, err: error }, 'portal link e-mail failed');
      }
    }
    return { url: created.url, expiresAt: created.expiresAt, emailedTo, ...(emailError ? { emailError } : {}) };
  }

  /** A link without an assessment is audited on the vendor. */
  private async issueLink(vendorId: string, assessment: AssessmentDetail | null, email: string | null, contactId: string | null, days: number, settings: PortalSettings, ctx: RequestContext, markSent: boolean) {
    const token = newSecret('twl');
    const now = this.now();
    const row = {
      id: newId(),
      token_hash: hashSecret(token),
      assessment_id: assessment?.id ?? null,
      vendor_id: vendorId,
      contact_id: contactId,
      email,
      emailed_at: null,
      expires_at: new Date(now + days * DAY_MS).toISOString(),
      used_at: null,
      created_by: ctx.actor.name,
      created_at: new Date(now).toISOString(),
    };
    await this.db.transaction().execute(async (trx) => {
      await this.repo(trx).insertInvitation(row);
      if (assessment && markSent) await this.assessments().markSent(trx, assessment.id, ctx);
      const { token_hash: _secret, ...visible } = row;
      await recordAudit(trx, ctx, assessment ? { action: 'assessment.invite', entityType: 'assessment', entityId: assessment.id, after: visible } : { action: 'vendor.portal-access', entityType: 'vendor', entityId: vendorId, after: visible });
    });
    const base = settings.publicUrl ?? this.deps.publicUrl;
    // The secret travels after '#': browsers never send the fragment, so no server or proxy logs it.
    return { id: row.id, url: `${base}/portal/#${token}`, expiresAt: row.expires_at };
  }

  // Sessions ------------------------------------------------------------------------------------

  /**
   * Exchanges a link for a portal session bearer token (twp_...). A link works once: the second
   * use, like an expired link, is a 410 saying so; an unknown one is a 401.
   */
  async openSession(linkToken: string) {
    const repo = this.repo();
    const invitation = await repo.invitationByHash(hashSecret(linkToken));
    if (!invitation) return null;
    const now = this.now();
    const at = new Date(now).toISOString();
    if (invitation.used_at) throw linkGone('link_used');
    if (invitation.expires_at <= at) throw linkGone('link_expired');
    const settings = await this.settings();
    const token = newSecret('twp');
    const session = {
      id: newId(),
      token_hash: hashSecret(token),
      vendor_id: invitation.vendor_id,
      invitation_id: invitation.id,
      created_at: at,
      expires_at: new Date(now + settings.sessionHours * 3_600_000).toISOString(),
      last_used_at: null,
    };
    const vendor = await this.deps.vendors.get(invitation.vendor_id);
    await this.db.transaction().execute(async (trx) => {
      // The conditional update decides between two racing uses of one link.
      if (!(await this.repo(trx).useInvitation(invitation.id, at))) throw linkGone('link_used');
      await this.repo(trx).insertSession(session);
      const actor: Actor = { type: 'portal', id: session.id, name: `portal:${vendor.name}`, role: 'portal', vendorId: vendor.id };
      const { token_hash: _secret, ...visible } = session;
      const entity = invitation.assessment_id ? { entityType: 'assessment', entityId: invitation.assessment_id } : { entityType: 'vendor', entityId: invitation.vendor_id };
      await recordAudit(trx, { actor, requestId: null }, { action: 'portal.session.open', ...entity, after: visible });
    });
    return { token, vendorId: session.vendor_id, expiresAt: session.expires_at };
  }

  /** The actor of a live portal session token or vendor API token, or null (unknown, expired or revoked). */
  async authenticate(token: string): Promise<Actor | null> {
    const now = this.now();
    if (token.startsWith('twv_')) {
      const row = await this.repo().activeToken(hashSecret(token), new Date(now).toISOString());
      if (!row) return null;
      if (!row.last_used_at || Date.parse(row.last_used_at) < now - TOUCH_INTERVAL_MS) await this.repo().touchToken(row.id, new Date(now).toISOString());
      return { type: 'portal', id: row.id, name: `portal:${row.vendor_name} (token ${row.name})`, role: 'portal', vendorId: row.vendor_id };
    }
    const session = await this.repo().activeSession(hashSecret(token), new Date(now).toISOString());
    if (!session) return null;
    if (!session.last_used_at || Date.parse(session.last_used_at) < now - TOUCH_INTERVAL_MS) await this.repo().touchSession(session.id, new Date(now).toISOString());
    return { type: 'portal', id: session.id, name: `portal:${session.vendor_name}`, role: 'portal', vendorId: session.vendor_id };
  }

  async sessionView(ctx: RequestContext) {
    const session = (await this.repo().session(ctx.actor.id ?? '')) ?? (await this.repo().tokenWithVendor(ctx.actor.id ?? ''));
    if (!session || session.vendor_id !== vendorOf(ctx)) throw notFound('portal session', ctx.actor.id ?? '');
    const products = await this.deps.vendors.listProducts(session.vendor_id);
    return { vendorId: session.vendor_id, vendorName: session.vendor_name, expiresAt: session.expires_at, products: products.map((p) => ({ id: p.id, name: p.name })) };
  }

  // Vendor API tokens ---------------------------------------------------------------------------

  /**
   * A long-lived token (twv_...) for the vendor's own systems: it acts as the vendor's portal
   * principal (report incidents, read its own reports and assessments) and nothing else. The
   * secret is returned once and stored hashed.
   */
  async createToken(vendorId: string, input: { name: string; expiresInDays?: number }, ctx: RequestContext) {
    const vendor = await this.deps.vendors.get(vendorId);
    const token = newSecret('twv');
    const now = this.now();
    const row: PortalTokensTable = {
      id: newId(),
      vendor_id: vendor.id,
      name: input.name.trim(),
      token_hash: hashSecret(token),
      prefix: token.slice(0, 10),
      created_by: ctx.actor.name,
      created_at: new Date(now).toISOString(),
      last_used_at: null,
      expires_at: input.expiresInDays ? new Date(now + input.expiresInDays * DAY_MS).toISOString() : null,
      revoked_at: null,
    };
    if (!row.name) throw invalidField('/name', 'must name the system that uses it');
    await this.db.transaction().execute(async (trx) => {
      await this.repo(trx).insertToken(row);
      await recordAudit(trx, ctx, { action: 'portal.token.create', entityType: 'vendor', entityId: vendor.id, after: presentToken(row) });
    });
    return { token, record: presentToken(row) };
  }

  async listTokens(vendorId: string) {
    await this.deps.vendors.get(vendorId);
    return (await this.repo().tokensOf(vendorId)).map(presentToken);
  }

  /** Revokes a token of the vendor at once (a token of another vendor is a 404); revoking again changes nothing. */
  async revokeToken(vendorId: string, id: string, ctx: RequestContext) {
    return this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const row = await repo.token(id);
      if (!row || row.vendor_id !== vendorId) throw notFound('portal token', id);
      if (row.revoked_at) return presentToken(row);
      const at = new Date(this.now()).toISOString();
      await repo.revokeToken(id, at);
      const after = { ...row, revoked_at: at };
      await recordAudit(trx, ctx, { action: 'portal.token.revoke', entityType: 'vendor', entityId: vendorId, before: presentToken(row), after: presentToken(after) });
      return presentToken(after);
    });
  }

  // Evidence files ------------------------------------------------------------------------------

  /**
   * Stores an upload of the session's vendor: its type sniffed from the bytes (name and label must
   * agree), the bytes once per SHA-256, and one file per vendor and content (an upload of the same
   * bytes again is the same file).
   */
  async upload(bytes: Buffer, meta: { name: string; contentType: string | undefined }, ctx: RequestContext): Promise<PortalFile> {
    const vendorId = vendorOf(ctx);
    if (!bytes.length) throw invalidField('body', 'the file is empty');
    if (bytes.length > this.deps.maxFileBytes) throw payloadTooLarge(this.deps.maxFileBytes);
    // A name is a label shown to reviewers and offered as the download's name: no paths, no control characters.
    const name = meta.name.trim().replace(/[\\/]|\p{Cc}/gu, '_');
    if (!name) throw invalidField('name', 'must be a file name');
    const kind = checkEvidence(bytes, name, meta.contentType);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const at = new Date(this.now()).toISOString();
    return this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      await repo.putBlob(sha256, bytes, at);
      const row: PortalFilesTable = { id: newId(), vendor_id: vendorId, sha256, name, media_type: kind.mediaType, size_bytes: bytes.length, created_by: ctx.actor.name, created_at: at };
      if (!(await repo.insertFile(row))) return presentFile((await repo.fileByContent(vendorId, sha256))!);
      await recordAudit(trx, ctx, { action: 'portal.file.upload', entityType: 'portal_file', entityId: row.id, after: presentFile(row) });
      return presentFile(row);
    });
  }

  /** A file of the session's vendor with its bytes (another vendor's file is a 404). */
  async download(fileId: string, ctx: RequestContext) {
    return this.fileWithBytes(fileId, vendorOf(ctx));
  }

  /** Internal download: a file the assessment's answers name. */
  async assessmentFile(assessmentId: string, fileId: string) {
    const assessment = await this.assessments().get(assessmentId);
    if (!assessment.answers.some((a) => fileIdsOf(a.value).includes(fileId))) throw notFound('file', fileId);
    return this.fileWithBytes(fileId, assessment.vendorId);
  }

  private async fileWithBytes(fileId: string, vendorId: string) {
    const row = await this.repo().file(fileId);
    if (!row || row.vendor_id !== vendorId) throw notFound('file', fileId);
    const content = await this.repo().blob(row.sha256);
    if (!content) throw notFound('file', fileId);
    return { file: presentFile(row), content };
  }

  /**
   * The SBOM-answer hook the assessment module calls: the vendor's uploaded file runs through SBOM
   * ingestion for that product of the vendor. A product or file of another vendor is a 400; a
   * document that does not parse fails with the ingestion's 400 (the caller names the question).
   */
  async sbomAnswer(vendorId: string, value: { fileId: string; productId: string }, ctx: RequestContext): Promise<{ sbomId: string }> {
    const { productId, content } = await this.sbomOfAnswer(vendorId, value);
    const sbom = await this.deps.sboms.upload(productId, content, {}, ctx);
    return { sbomId: sbom.id };
  }

  /** The check before the intake: whether sbomAnswer would take this answer, storing nothing (the same errors). */
  async sbomCheck(vendorId: string, value: { fileId: string; productId: string }): Promise<void> {
    const { productId, content } = await this.sbomOfAnswer(vendorId, value);
    await this.deps.sboms.check(productId, content, {});
  }

  private async sbomOfAnswer(vendorId: string, value: { fileId: string; productId: string }): Promise<{ productId: string; content: Buffer }> {
    const product = await this.deps.vendors.getProduct(value.productId).catch(() => null);
    if (!product || product.vendorId !== vendorId) throw invalidField('productId', `is not a product of this vendor`);
    const row = await this.repo().file(value.fileId);
    if (!row || row.vendor_id !== vendorId) throw invalidField('fileId', 'is not a file this vendor uploaded');
    const content = await this.repo().blob(row.sha256);
    if (!content) throw invalidField('fileId', 'is not a file this vendor uploaded');
    return { productId: product.id, content };
  }

  /** The evidence hook of the assessment module: which of these ids are files the vendor uploaded. */
  async evidenceFiles(executor: Executor, vendorId: string, fileIds: string[]) {
    const rows = await this.repo(executor).files([...new Set(fileIds)]);
    return rows.filter((r) => r.vendor_id === vendorId).map((r) => ({ fileId: r.id, name: r.name, sha256: r.sha256, mediaType: r.media_type }));
  }

  // The vendor's assessments --------------------------------------------------------------------

  async listAssessments(ctx: RequestContext) {
    const vendorId = vendorOf(ctx);
    const list = await this.assessments().listForVendor(vendorId, { vendorId });
    return list.filter((a) => VENDOR_VISIBLE.has(a.status)).map(summary);
  }

  private async visible(id: string, vendorId: string): Promise<AssessmentDetail> {
    const assessment = await this.assessments().get(id, { vendorId });
    if (assessment.vendorId !== vendorId || !VENDOR_VISIBLE.has(assessment.status)) throw notFound('assessment', id);
    return assessment;
  }

  /** What the vendor sees: the questions (no weights, controls or compliant answers), its answers, and reviewers' comments on rejected ones. */
  async getAssessment(id: string, ctx: RequestContext): Promise<PortalAssessment> {
    const vendorId = vendorOf(ctx);
    const assessment = await this.visible(id, vendorId);
    const template = await this.deps.questionnaires.getVersion(assessment.templateId, assessment.templateVersion);
    const fileIds = [...new Set(assessment.answers.flatMap((a) => fileIdsOf(a.value)))];
    const files = (await this.repo().files(fileIds)).filter((f) => f.vendor_id === vendorId);
    const products = (await this.deps.vendors.listProducts(vendorId)).map((p) => ({ id: p.id, name: p.name }));
    const services = this.deps.linkedServices ? await this.deps.linkedServices(vendorId) : [];
    return {
      ...summary(assessment),
      vendorName: assessment.vendorName,
      sections: template.sections.map((s) => ({
        title: s.title,
        ...(s.description ? { description: s.description } : {}),
        questions: s.questions.map((q) => ({
          id: q.id,
          text: q.text,
          ...(q.help ? { help: q.help } : {}),
          type: q.type,
          required: q.required,
          ...(q.options ? { options: q.options } : {}),
          ...(q.unit ? { unit: q.unit } : {}),
          ...(q.perService ? { perService: true } : {}),
          ...(q.showWhen ? { showWhen: q.showWhen } : {}),
        })),
      })),
      answers: assessment.answers.map((a) => ({ questionId: a.questionId, value: a.value, state: a.state as PortalAssessment['answers'][number]['state'], comment: a.state === 'rejected' ? a.comment : null })),
      files: files.map(presentFile),
      products,
      services,
    };
  }

  /** Saves draft answers: the whole batch or nothing (the assessment module checks them, naming each bad question). */
  async saveAnswers(id: string, answers: Array<{ questionId: string; value: unknown }>, ctx: RequestContext): Promise<PortalAssessment> {
    const vendorId = vendorOf(ctx);
    await this.visible(id, vendorId);
    await this.assessments().saveAnswers(id, answers, ctx, { vendorId });
    return this.getAssessment(id, ctx);
  }

  async submit(id: string, ctx: RequestContext): Promise<PortalAssessment> {
    const vendorId = vendorOf(ctx);
    await this.visible(id, vendorId);
    await this.assessments().submit(id, ctx, { vendorId });
    return this.getAssessment(id, ctx);
  }

  /**
   * The scheduled job: evidence bytes no file references any more (a deleted vendor's uploads, a
   * deleted incident's attachments) are removed, so deleting a vendor does not keep its documents.
   */
  async pruneBlobs(ctx: RequestContext, now = new Date(this.now())): Promise<{ removed: number }> {
    return this.db.transaction().execute(async (trx) => {
      const removed = await this.repo(trx).pruneBlobs(new Date(now.getTime() - BLOB_GRACE_MS).toISOString());
      if (removed) await recordAudit(trx, ctx, { action: 'portal.blobs.prune', entityType: 'portal_blobs', entityId: 'unreferenced', after: { removed } });
      return { removed };
    });
  }

  // Reminders -----------------------------------------------------------------------------------

  /**
   * E-mails the invited contact of every open assessment: once `reminderDaysBefore` days before its
   * due date, then on the due date and every `overdueEveryDays` after it. Each reminder is logged
   * before it is sent (the log's key makes it once-only across runs and replicas); a failed send is
   * unlogged so the next run tries again. Each carries a fresh single-use link.
   */
  async sendReminders(ctx: RequestContext): Promise<{ sent: number; failed: number }> {
    if (!(await this.deps.mailer.enabled())) return { sent: 0, failed: 0 };
    const settings = await this.settings();
    const now = this.now();
    let sent = 0;
    let failed = 0;
    for (const due of await this.assessments().dueForReminder(new Date(now).toISOString())) {
      if (!due.dueAt) continue;
      const dueMs = Date.parse(due.dueAt);
      let kind: string | null = null;
      if (now >= dueMs) kind = `overdue-${Math.floor((now - dueMs) / (settings.overdueEveryDays * DAY_MS))}`;
      else if (settings.reminderDaysBefore > 0 && dueMs - now <= settings.reminderDaysBefore * DAY_MS) kind = 'due-soon';
      if (!kind) continue;
      const invitee = await this.repo().inviteeOf(due.id);
      if (!invitee) continue;
      if (!(await this.repo().logReminder({ assessment_id: due.id, kind, email: invitee.email, sent_at: new Date(now).toISOString() }))) continue;
      try {
        const assessment = await this.assessments().get(due.id);
        const link = await this.issueLink(assessment.vendorId, assessment, invitee.email, invitee.contact_id, settings.invitationDays, settings, ctx, false);
        const overdue = kind !== 'due-soon';
        await this.deps.mailer.send({
          to: invitee.email,
          subject: `${overdue ? 'Overdue' : 'Reminder'}: security assessment ${assessment.templateName} for ${assessment.vendorName}, due ${due.dueAt.slice(0, 10)}`,
          text: reminderText(assessment, due.dueAt, overdue, link.url, link.expiresAt),
        });
        sent++;
      } catch (error) {
        failed++;
        await this.repo().unlogReminder(due.id, kind);
        this.deps.logger.warn({ assessmentId: due.id, kind, err: error }, 'assessment reminder failed');
      }
    }
    return { sent, failed };
  }
}

export function vendorOf(ctx: RequestContext): string {
  if (ctx.actor.type !== 'portal' || !ctx.actor.vendorId) throw new AppError('forbidden', 'only a vendor portal session may do this');
  return ctx.actor.vendorId;
}

function presentToken(row: PortalTokensTable) {
  return {
    id: row.id,
    vendorId: row.vendor_id,
    name: row.name,
    prefix: row.prefix,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

function summary(a: Assessment) {
  const { answered, required, requiredAnswered } = a.progress;
  return { id: a.id, templateName: a.templateName, status: a.status, dueAt: a.dueAt, submittedAt: a.submittedAt, progress: { answered, required, requiredAnswered } };
}

function invitationText(name: string, a: AssessmentDetail, url: string, expiresAt: string): string {
  return [
    `Hello ${name},`,
    '',
    `we ask ${a.vendorName} to answer our security assessment "${a.templateName}"${a.dueAt ? ` by ${a.dueAt.slice(0, 10)}` : ''}.`,
    '',
    'Open it here (no account needed; the link works once, from one browser, until ' + expiresAt.slice(0, 10) + '):',
    url,
    '',
    'You can save drafts, upload evidence and submit when every required answer is given.',
  ].join('\n');
}

function accessText(name: string, vendorName: string, url: string, expiresAt: string): string {
  return [
    `Hello ${name},`,
    '',
    `this is your access to our vendor portal for ${vendorName}: report a security incident to us there and follow what we do about it.`,
    '',
    'Open it here (no account needed; the link works once, from one browser, until ' + expiresAt.slice(0, 10) + '):',
    url,
  ].join('\n');
}

function reminderText(a: AssessmentDetail, dueAt: string, overdue: boolean, url: string, expiresAt: string): string {
  return [
    overdue
      ? `Our security assessment "${a.templateName}" for ${a.vendorName} was due on ${dueAt.slice(0, 10)} and is not submitted yet.`
      : `A reminder: our security assessment "${a.templateName}" for ${a.vendorName} is due on ${dueAt.slice(0, 10)}.`,
    '',
    `Continue here (a new single-use link, valid until ${expiresAt.slice(0, 10)}); answers saved earlier are kept:`,
    url,
  ].join('\n');
}
