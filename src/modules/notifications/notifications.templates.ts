/**
 * Notification templates: `{{path.to.value}}` placeholders and nothing else (no sections, no
 * helpers, no code), filled from the message's data. A missing value renders as nothing; arrays
 * are joined with ", "; objects render as JSON. Only own properties are looked up, so
 * `{{constructor}}` or `{{__proto__}}` reach nothing. In e-mail HTML every value is escaped.
 */

export interface TemplateText {
  subject: string;
  body: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\s*\}\}/g;
/** A rendered text never grows past this (a template that repeats a large value). */
export const MAX_RENDERED_CHARS = 64 * 1024;
const MAX_VALUE_CHARS = 16 * 1024;

/** The shipped default of each event that has one; any other event renders the message as given. */
export const SHIPPED_TEMPLATES: Record<string, TemplateText> = {
  'notification.test': {
    subject: '[Thirdwatch] Test message for {{channel}}',
    body: 'This is a test message from Thirdwatch for the channel "{{channel}}", sent by {{actor}} at {{at}}.\nIf you can read it, the channel works.',
  },
  'incident.created': {
    subject: '[Thirdwatch] New {{incident.severity}} incident: {{incident.title}}',
    body: '{{text}}\n\nIncident: {{incident.title}}\nSeverity: {{incident.severity}}\nSource: {{incident.source}}\nVendor: {{vendor.name}}\n{{link}}',
  },
  'incident.status': {
    subject: '[Thirdwatch] Incident {{incident.title}} is {{incident.status}}',
    body: '{{text}}\n\nIncident: {{incident.title}}\nStatus: {{incident.status}}\nSeverity: {{incident.severity}}\n{{link}}',
  },
  'clock.breached': {
    subject: '[Thirdwatch] Deadline missed: {{clock.kind}} on {{incident.title}}',
    body: '{{text}}\n\nIncident: {{incident.title}} ({{incident.severity}})\nClock: {{clock.kind}}\nDue: {{clock.dueAt}}\n{{link}}',
  },
  'playbook.notify': {
    subject: '[Thirdwatch] {{subject}}',
    body: '{{text}}\n\nIncident: {{incident.title}}\nPlaybook: {{playbook.name}}\n{{link}}',
  },
};

export const FALLBACK_TEMPLATE: TemplateText = { subject: '{{subject}}', body: '{{text}}' };

/** The shipped default of an event, by own property only: an event named constructor or toString has none. */
export function shippedTemplate(event: string): TemplateText | null {
  return Object.hasOwn(SHIPPED_TEMPLATES, event) ? SHIPPED_TEMPLATES[event] : null;
}

export function lookupPath(data: unknown, path: string): unknown {
  let current: unknown = data;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function display(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else if (Array.isArray(value)) text = value.map((v) => (v !== null && typeof v === 'object' ? safeJson(v) : display(v))).join(', ');
  else text = safeJson(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Fills the placeholders; `escape` is applied to each value (not to the template's own text). */
export function render(template: string, data: unknown, escape: (value: string) => string = (v) => v): string {
  let out = '';
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    out += template.slice(last, match.index) + escape(display(lookupPath(data, match[1])));
    last = match.index + match[0].length;
    if (out.length > MAX_RENDERED_CHARS) return `${out.slice(0, MAX_RENDERED_CHARS)}…`;
  }
  out += template.slice(last);
  return out.length > MAX_RENDERED_CHARS ? `${out.slice(0, MAX_RENDERED_CHARS)}…` : out;
}

/** The placeholders a template uses, for showing and checking it. */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/** An e-mail's HTML part: the body rendered with escaped values, the template's text escaped too, lines kept. */
export function renderHtml(template: string, data: unknown): string {
  const body = render(escapeHtml(template), data, escapeHtml).replace(/\n/g, '<br>\n');
  return `<!doctype html><html><body style="font-family:sans-serif">${body}</body></html>`;
}
