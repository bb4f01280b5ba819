// Fuzz target for notification templates ({{path}} placeholders) and the syslog formatter they feed.
// Inputs are templates; the data is fixed and hostile (prototype keys, markup, huge and odd values).
// Contracts: rendering never throws and stays bounded; the e-mail HTML carries no markup but its
// own; a syslog message keeps its header fields free of spaces and its structured data well formed.
import { formatSyslog } from '../../src/modules/notifications/notifications.channels.js';
import { escapeHtml, MAX_RENDERED_CHARS, render, renderHtml, SHIPPED_TEMPLATES } from '../../src/modules/notifications/notifications.templates.js';
import { grammarString, HOSTILE_STRINGS } from './mutate.js';
import { Crash, expectOnly, type Target } from './target.js';

const SEEDS = [...Object.values(SHIPPED_TEMPLATES).flatMap((t) => [t.subject, t.body]), '{{a.b.c.d.e}}', '{{ x }}{{y}}', '{{}}', '{{{triple}}}', '{{incident.title'];
const PIECES = ['{{', '}}', '{{incident.title}}', '{{__proto__}}', '{{constructor.name}}', '{{big}}', '{{list}}', '{{deep.a.a.a.a}}', '{{ html }}', '.', ' ', '\n', '<script>', '&', '"', ']', '\\'];

const DATA = JSON.parse(
  JSON.stringify({
    incident: { title: '<b>3CX</b> & "friends"', severity: 'critical' },
    big: 'x'.repeat(100_000),
    list: [1, null, { a: '<i>' }, ['nested']],
    deep: { a: { a: { a: { a: '</body>' } } } },
    html: '<img src=x onerror=alert(1)>',
    hostile: HOSTILE_STRINGS,
  }).replace('"incident"', '"__proto__":{"polluted":true},"incident"'),
) as Record<string, unknown>;

function check(template: string) {
  return expectOnly(() => {
    const text = render(template, DATA);
    if (text.length > MAX_RENDERED_CHARS + 1) throw new Crash(`rendered ${text.length} characters`);
    const html = renderHtml(template, DATA);
    const inner = html.slice(html.indexOf('<body'), html.lastIndexOf('</body>')).replace(/^<body[^>]*>/, '').replace(/<br>/g, '');
    if (inner.includes('<')) throw new Crash('markup in the HTML that the template did not escape');
    if ((Object.prototype as Record<string, unknown>).polluted) throw new Crash('prototype polluted');
    const line = formatSyslog({ host: 'siem', port: 514, transport: 'tcp', facility: 4, appName: 'thirdwatch' }, { event: 'x.y', subject: render(template, DATA).slice(0, 200), body: text, params: { delivery: template.slice(0, 64) } }).toString('utf8');
    const header = /^<\d{1,3}>1 \S+ \S+ \S+ \d+ \S+ \[thirdwatch@32473 event="x\.y"(?: delivery="(?:[^"\\\]]|\\["\\\]])*")?\] /.exec(line);
    if (!header) throw new Crash(`not an RFC 5424 header: ${line.slice(0, 200)}`);
    if (escapeHtml(template).includes('<')) throw new Crash('escapeHtml left a <');
  });
}

export function notificationTemplateTarget(): Target<string> {
  return { name: 'notification-template', kind: 'parser', inputs: async () => grammarString(SEEDS, PIECES), open: async () => ({ check }) };
}
