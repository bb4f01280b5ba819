import { Type } from 'typebox';
import { Page } from '../../platform/http/pagination.js';
import type { App } from '../../platform/http/server.js';
import { FILE_NAMES, MEDIA_TYPES } from './blocklist.formats.js';
import { BlockBody, BlockIdParams, BlocklistQuery, BlockResult, BlockSchema } from './blocklist.schemas.js';
import type { EgressBlocklistService } from './blocklist.service.js';

export function egressBlocklistRoutes(app: App, blocklist: EgressBlocklistService): void {
  const tags = ['egress'];
  app.get('/api/v1/egress/blocklist', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'The egress blocklist: the blocks (json), or the live set as a domain list, a Squid dstdomain ACL file or a DNS RPZ zone',
      description:
        'format=domains: one domain a line. format=squid: a dstdomain ACL file (".example.com" lines: the domain and its subdomains; use with `acl name dstdomain "/path"` and `http_access deny name`). format=rpz: a response policy zone (SOA, NS, and "CNAME ." for each domain and its wildcard; the serial grows with every change). The files hold real active blocks not past their expiry, never a drill\'s staged ones.',
      querystring: BlocklistQuery,
      response: {
        200: {
          content: {
            'application/json': { schema: Page(BlockSchema) },
            'text/plain': { schema: Type.String({ description: 'format=domains or squid' }) },
            'text/dns': { schema: Type.String({ description: 'format=rpz (RFC 1035 master file)' }) },
          },
        },
      },
    },
  }, async (request, reply) => {
    const { format, zone, ...query } = request.query;
    if (format && format !== 'json') {
      return reply
        .type(MEDIA_TYPES[format])
        .header('content-disposition', `attachment; filename="${FILE_NAMES[format]}"`)
        .header('cache-control', 'no-store')
        .send(await blocklist.export(format, { zone }));
    }
    return blocklist.list(query);
  });

  app.post('/api/v1/egress/blocklist', {
    config: { permission: 'incidents:write' },
    schema: {
      tags,
      summary: 'Block domains (and their subdomains) at the egress, saying why and optionally until when',
      description: 'A domain with a live block already is answered under `already` (the earlier block stands). A public suffix or an IP address is refused (400 naming /domains/i).',
      body: BlockBody,
      response: { 201: BlockResult },
    },
  }, async (request, reply) => reply.status(201).send(await blocklist.blockNow(request.body, request.ctx)));

  app.get('/api/v1/egress/blocklist/:id', {
    config: { permission: 'read' },
    schema: { tags, summary: 'One block: who, why, when, until when', params: BlockIdParams, response: { 200: BlockSchema } },
  }, async (request) => blocklist.get(request.params.id));

  app.delete('/api/v1/egress/blocklist/:id', {
    config: { permission: 'incidents:write' },
    schema: { tags, summary: 'End a block (it stays listed as removed, with who and when); 409 when it has ended already', params: BlockIdParams, response: { 200: BlockSchema } },
  }, async (request) => blocklist.remove(request.params.id, request.ctx));
}
