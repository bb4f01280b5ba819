// Fuzz target for the portal's evidence check: what an upload is, read from its bytes, and
// whether its name and label agree. The only documented refusal is a 415 AppError; a verdict must
// never accept active markup (HTML, SVG, script) as any kind, whatever the label says.
import fc from 'fast-check';
import { AppError } from '../../src/platform/errors.js';
import { checkEvidence } from '../../src/modules/portal/portal.files.js';
import { HOSTILE_STRINGS, mutateText, steps, type FuzzBytes } from './mutate.js';
import { Crash, expectOnly, type Target } from './target.js';

const SEEDS = [
  '%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n',
  '\u0089PNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR',
  '{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}',
  '<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"><metadata/></bom>',
  'control,status\nSR-3,met\n',
  '<!DOCTYPE html><html><script>alert(1)</script></html>',
  '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
  'PK\u0003\u0004docx',
];
const NAMES = ['report.pdf', 'diagram.png', 'sbom.json', 'bom.xml', 'notes.txt', 'page.html', 'logo.svg', 'policy.docx', 'noextension', '.pdf', 'a.PDF', 'x.tar.gz'];
const LABELS = [undefined, 'application/octet-stream', 'application/pdf', 'image/png', 'text/html', 'image/svg+xml', 'application/json; charset=utf-8', 'text/plain', '', ';;;'];
const ACTIVE = /<(?:!doctype\s+html|html|script|svg)[\s/>]/i;

function inputs(): fc.Arbitrary<FuzzBytes> {
  return fc
    .record({ seed: fc.nat(), text: steps(3), hostile: fc.option(fc.nat()) })
    .map(({ seed, text, hostile }) => mutateText(SEEDS[seed % SEEDS.length] + (hostile === null ? '' : HOSTILE_STRINGS[hostile % HOSTILE_STRINGS.length]), text));
}

/** The name and label an input is uploaded with follow from its bytes, so a saved input replays the same way. */
function check(input: FuzzBytes) {
  return expectOnly(() => {
    const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : Buffer.from(input);
    const kind = checkEvidence(bytes, NAMES[bytes.length % NAMES.length], LABELS[(bytes[0] ?? 0) % LABELS.length]);
    const isText = !['application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'application/zip', 'application/gzip'].includes(kind.mediaType);
    if (isText && ACTIVE.test(bytes.toString('utf8').replace(/^\uFEFF/, '').slice(0, 1024))) throw new Crash(`active markup accepted as ${kind.mediaType}`);
    if (/html|svg/i.test(kind.mediaType)) throw new Crash(`accepted as ${kind.mediaType}`);
  }, AppError);
}

export function evidenceTarget(): Target<FuzzBytes> {
  return { name: 'portal-evidence', kind: 'parser', inputs: async () => inputs(), open: async () => ({ check }) };
}
