import type { App } from '../../platform/http/server.js';
import { SearchQuery, SearchResponseSchema } from './search.schemas.js';
import type { SearchService } from './search.service.js';

export function searchRoutes(app: App, search: SearchService): void {
  app.get('/api/v1/search', {
    config: { permission: 'read' },
    schema: {
      tags: ['search'],
      summary: 'Global search: vendors, products, releases, components, advisories, file hashes and indicators, grouped by kind',
      description: [
        'The query\'s shape decides what is searched: a hex MD5/SHA-1/SHA-256/SHA-512 finds the SBOM components and release artifacts (and files inside them) with that hash and hash indicators; an advisory id (CVE-…, GHSA-…, GO-…) finds the advisory by id or alias, or by the start of one; a purl or CPE finds component identities; anything else finds vendors (name, alias, domain), products and releases (substring, case folded in every script), components (start of the name or of a word in it), advisories by the start of an id and indicators by value.',
        'Each result names its kind, a title, a subtitle and the path of its page in the web UI. `limit` results per kind; `more` says a kind has more. Only kinds the caller may read are searched.',
      ].join('\n\n'),
      querystring: SearchQuery,
      response: { 200: SearchResponseSchema },
    },
  }, async (request) => search.search(request.query, request.ctx));
}
