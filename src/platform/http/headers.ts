/**
 * The response headers every answer carries, in one place: the web UI, Swagger UI, the API,
 * problem answers and the raw answers written before a request exists (431, 408, 400).
 */

/**
 * Pages (the web UI and Swagger UI) load scripts, styles and fonts from this origin only: no
 * inline script or style, no eval, no plugins, never framed. Images may be data: URIs (the
 * favicon and Swagger UI's icons are).
 */
export const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Swagger UI (/api/docs) injects a <style> element at run time, so its pages get their own policy:
 * the page policy with inline styles allowed. Scripts stay same-origin only.
 */
export const DOCS_POLICY = PAGE_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

/** Everything that is not a page (JSON, CSV, problems, scripts) is data: it may load nothing. */
export const DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const COMMON: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // For browsers that predate frame-ancestors.
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * The security headers for an answer of this content type at this path. A 304 has no content
 * type, yet its headers replace the cached page's: outside the API it is a page (or an asset,
 * for which a page policy does no harm).
 */
export function securityHeaders(contentType: string | undefined, path = '', status = 200): Record<string, string> {
  const isData = path.startsWith('/healthz') || (path.startsWith('/api/') && !path.startsWith('/api/docs'));
  const isPage = /^text\/html\b/i.test(contentType ?? '') || (status === 304 && !isData);
  const policy = !isPage ? DATA_POLICY : path.startsWith('/api/docs') ? DOCS_POLICY : PAGE_POLICY;
  return { ...COMMON, 'content-security-policy': policy };
}
