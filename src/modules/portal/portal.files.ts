// What an evidence upload is, decided from its bytes: the uploader's Content-Type and file name
// are labels to check, never to trust. Only document, image, archive and data formats a reviewer
// opens are accepted; HTML, SVG and scripts never are (the download route serves everything as an
// attachment anyway), and a label that names another type than the content is refused.
import { AppError } from '../../platform/errors.js';
import { invalidUtf8Offset } from '../../platform/text.js';

export interface EvidenceKind {
  mediaType: string;
  /** File name extensions that may label it. */
  extensions: string[];
  /** Content-Type labels that may label it (besides application/octet-stream, which says nothing). */
  labels: string[];
}

const KINDS: Record<string, EvidenceKind> = {
  pdf: { mediaType: 'application/pdf', extensions: ['pdf'], labels: ['application/pdf'] },
  png: { mediaType: 'image/png', extensions: ['png'], labels: ['image/png'] },
  jpeg: { mediaType: 'image/jpeg', extensions: ['jpg', 'jpeg'], labels: ['image/jpeg'] },
  gif: { mediaType: 'image/gif', extensions: ['gif'], labels: ['image/gif'] },
  // Office documents are zip archives; a reviewer's tools open them by extension.
  zip: {
    mediaType: 'application/zip',
    extensions: ['zip', 'docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp'],
    labels: ['application/zip', 'application/x-zip-compressed', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/vnd.openxmlformats-officedocument.presentationml.presentation', 'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet', 'application/vnd.oasis.opendocument.presentation'],
  },
  gzip: { mediaType: 'application/gzip', extensions: ['gz', 'tgz'], labels: ['application/gzip', 'application/x-gzip'] },
  json: { mediaType: 'application/json', extensions: ['json', 'cdx', 'spdx'], labels: ['application/json', 'application/vnd.cyclonedx+json', 'application/spdx+json', 'text/json'] },
  xml: { mediaType: 'application/xml', extensions: ['xml', 'cdx'], labels: ['application/xml', 'text/xml', 'application/vnd.cyclonedx+xml'] },
  text: { mediaType: 'text/plain', extensions: ['txt', 'csv', 'md', 'log', 'spdx', 'tv'], labels: ['text/plain', 'text/csv', 'text/markdown', 'text/spdx'] },
};

export const ALLOWED_EVIDENCE = 'PDF, PNG, JPEG, GIF, ZIP (incl. Office documents), gzip, JSON, XML and plain text (UTF-8)';

const refused = (message: string) => new AppError('unsupported_media_type', message, [{ field: 'body', reason: message }]);

const startsWith = (bytes: Buffer, signature: number[]) => signature.every((b, i) => bytes[i] === b);

/** A page or image a browser would render and run scripts in, recognised in the first kilobyte of text (as browsers sniff). */
const ACTIVE_MARKUP = /<(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed)[\s/>]/i;

/** The kind of these bytes, or a 415 naming why they are refused. */
export function sniffEvidence(bytes: Buffer): EvidenceKind {
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) return KINDS.pdf;
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return KINDS.png;
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return KINDS.jpeg;
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return KINDS.gif;
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) return KINDS.zip;
  if (startsWith(bytes, [0x1f, 0x8b])) return KINDS.gzip;
  if (invalidUtf8Offset(bytes) !== -1 || bytes.includes(0)) throw refused(`the file is none of the accepted types (${ALLOWED_EVIDENCE})`);
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (ACTIVE_MARKUP.test(text.slice(0, 1024))) throw refused('the file contains HTML or other active markup, which is never accepted as evidence');
  const head = text.trimStart();
  if (head.startsWith('{') || head.startsWith('[')) {
    try {
      JSON.parse(text);
      return KINDS.json;
    } catch {
      return KINDS.text;
    }
  }
  if (head.startsWith('<')) return KINDS.xml;
  return KINDS.text;
}

/**
 * The kind of an upload whose bytes, name and Content-Type must agree: a name's extension or a
 * specific Content-Type naming another kind than the content is a 415 naming both.
 */
export function checkEvidence(bytes: Buffer, name: string, label: string | undefined): EvidenceKind {
  const kind = sniffEvidence(bytes);
  const ext = /\.([A-Za-z0-9]{1,10})$/.exec(name)?.[1]?.toLowerCase();
  if (ext && !kind.extensions.includes(ext)) {
    throw refused(`the file is named .${ext} but its content is ${kind.mediaType}: rename it or upload the right file`);
  }
  const type = label?.split(';')[0].trim().toLowerCase();
  if (type && type !== 'application/octet-stream' && !kind.labels.includes(type)) {
    throw refused(`the upload is labelled ${type} but its content is ${kind.mediaType}`);
  }
  return kind;
}
