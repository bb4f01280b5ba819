/**
 * For tests: the constraints of NIST's OSCAL JSON schemas (assessment-results and POA&M, draft-07,
 * as NIST generates them from the metaschema) on every assembly the exporters write, restated
 * here because no package on the npm registry ships NIST's schema files. Same datatype patterns,
 * required members, allowed values, minItems 1 on every array and additionalProperties false on
 * every object, so a member misspelt, missing or empty fails here as it would there. Members of
 * those assemblies that the exporters never write are listed with loose types.
 */

const ref = (name: string) => ({ $ref: `#/definitions/${name}` });
const list = (items: object) => ({ type: 'array', minItems: 1, items });
const markup = { type: 'string' };
const any = {};

function assembly(properties: Record<string, object>, required: string[] = []) {
  return { type: 'object', properties, required, additionalProperties: false };
}

const definitions = {
  // Datatypes, as in the OSCAL 1.x schemas.
  StringDatatype: { type: 'string', pattern: '^\\S(.*\\S)?$' },
  TokenDatatype: { type: 'string', pattern: '^(\\p{L}|_)(\\p{L}|\\p{N}|[.\\-_])*$' },
  UUIDDatatype: { type: 'string', pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[45][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$' },
  URIDatatype: { type: 'string', format: 'uri', pattern: '^[a-zA-Z][a-zA-Z0-9+\\-.]+:.+$' },
  URIReferenceDatatype: { type: 'string', format: 'uri-reference' },
  DateTimeWithTimezoneDatatype: {
    type: 'string',
    format: 'date-time',
    pattern:
      '^(((2000|2400|2800|(19|2[0-9](0[48]|[2468][048]|[13579][26])))-02-29)|(((19|2[0-9])[0-9]{2})-02-(0[1-9]|1[0-9]|2[0-8]))|(((19|2[0-9])[0-9]{2})-(0[13578]|10|12)-(0[1-9]|[12][0-9]|3[01]))|(((19|2[0-9])[0-9]{2})-(0[469]|11)-(0[1-9]|[12][0-9]|30)))T(2[0-3]|[01][0-9]):([0-5][0-9]):([0-5][0-9])(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$',
  },

  property: assembly({ name: ref('TokenDatatype'), uuid: ref('UUIDDatatype'), ns: ref('URIDatatype'), value: ref('StringDatatype'), class: ref('TokenDatatype'), group: ref('TokenDatatype'), remarks: markup }, ['name', 'value']),
  link: assembly({ href: ref('URIReferenceDatatype'), rel: ref('TokenDatatype'), 'media-type': ref('StringDatatype'), 'resource-fragment': ref('StringDatatype'), text: markup }, ['href']),
  hash: assembly({ algorithm: { allOf: [ref('StringDatatype'), { enum: ['SHA-224', 'SHA-256', 'SHA-384', 'SHA-512', 'SHA3-224', 'SHA3-256', 'SHA3-384', 'SHA3-512'] }] }, value: { type: 'string', pattern: '^[0-9a-fA-F]+$' } }, ['algorithm', 'value']),
  party: assembly(
    {
      uuid: ref('UUIDDatatype'),
      type: { allOf: [ref('StringDatatype'), { enum: ['person', 'organization'] }] },
      name: ref('StringDatatype'),
      'short-name': ref('StringDatatype'),
      'external-ids': list(any),
      props: list(ref('property')),
      links: list(ref('link')),
      'email-addresses': list(any),
      'telephone-numbers': list(any),
      addresses: list(any),
      'location-uuids': list(ref('UUIDDatatype')),
      'member-of-organizations': list(ref('UUIDDatatype')),
      remarks: markup,
    },
    ['uuid', 'type'],
  ),
  metadata: assembly(
    {
      title: markup,
      published: ref('DateTimeWithTimezoneDatatype'),
      'last-modified': ref('DateTimeWithTimezoneDatatype'),
      version: ref('StringDatatype'),
      'oscal-version': { allOf: [ref('StringDatatype'), { pattern: '^1\\.[0-9]+\\.[0-9]+$' }] },
      revisions: list(any),
      'document-ids': list(any),
      props: list(ref('property')),
      links: list(ref('link')),
      roles: list(assembly({ id: ref('TokenDatatype'), title: markup, 'short-name': ref('StringDatatype'), description: markup, props: list(ref('property')), links: list(ref('link')), remarks: markup }, ['id', 'title'])),
      locations: list(any),
      parties: list(ref('party')),
      'responsible-parties': list(assembly({ 'role-id': ref('TokenDatatype'), 'party-uuids': list(ref('UUIDDatatype')), props: list(ref('property')), links: list(ref('link')), remarks: markup }, ['role-id', 'party-uuids'])),
      actions: list(any),
      remarks: markup,
    },
    ['title', 'last-modified', 'version', 'oscal-version'],
  ),
  'back-matter': assembly({
    resources: list(
      assembly(
        {
          uuid: ref('UUIDDatatype'),
          title: markup,
          description: markup,
          props: list(ref('property')),
          'document-ids': list(any),
          citation: any,
          rlinks: list(assembly({ href: ref('URIReferenceDatatype'), 'media-type': ref('StringDatatype'), hashes: list(ref('hash')) }, ['href'])),
          base64: any,
          remarks: markup,
        },
        ['uuid'],
      ),
    ),
  }),
  'subject-reference': assembly({ 'subject-uuid': ref('UUIDDatatype'), type: { allOf: [ref('TokenDatatype'), { enum: ['component', 'inventory-item', 'location', 'party', 'user'] }] }, title: markup, props: list(ref('property')), links: list(ref('link')), remarks: markup }, ['subject-uuid', 'type']),
  observation: assembly(
    {
      uuid: ref('UUIDDatatype'),
      title: markup,
      description: markup,
      props: list(ref('property')),
      links: list(ref('link')),
      methods: list({ allOf: [ref('StringDatatype'), { enum: ['EXAMINE', 'INTERVIEW', 'TEST', 'UNKNOWN'] }] }),
      types: list({ allOf: [ref('TokenDatatype'), { enum: ['ssp-statement-issue', 'control-objective', 'mitigation', 'finding', 'historic'] }] }),
      origins: list(any),
      subjects: list(ref('subject-reference')),
      'relevant-evidence': list(assembly({ href: ref('URIReferenceDatatype'), description: markup, props: list(ref('property')), links: list(ref('link')), remarks: markup }, ['description'])),
      collected: ref('DateTimeWithTimezoneDatatype'),
      expires: ref('DateTimeWithTimezoneDatatype'),
      remarks: markup,
    },
    ['uuid', 'description', 'methods', 'collected'],
  ),
  risk: assembly(
    {
      uuid: ref('UUIDDatatype'),
      title: markup,
      description: markup,
      statement: markup,
      props: list(ref('property')),
      links: list(ref('link')),
      status: { allOf: [ref('TokenDatatype'), { enum: ['open', 'investigating', 'remediating', 'deviation-requested', 'deviation-approved', 'closed'] }] },
      origins: list(any),
      'threat-ids': list(any),
      characterizations: list(any),
      'mitigating-factors': list(any),
      deadline: ref('DateTimeWithTimezoneDatatype'),
      remediations: list(any),
      'risk-log': any,
      'related-observations': list(assembly({ 'observation-uuid': ref('UUIDDatatype') }, ['observation-uuid'])),
    },
    ['uuid', 'title', 'description', 'statement', 'status'],
  ),
  finding: assembly(
    {
      uuid: ref('UUIDDatatype'),
      title: markup,
      description: markup,
      props: list(ref('property')),
      links: list(ref('link')),
      origins: list(any),
      target: assembly(
        {
          type: { allOf: [ref('TokenDatatype'), { enum: ['statement-id', 'objective-id'] }] },
          'target-id': ref('TokenDatatype'),
          title: markup,
          description: markup,
          props: list(ref('property')),
          links: list(ref('link')),
          status: assembly({ state: { allOf: [ref('TokenDatatype'), { enum: ['satisfied', 'not-satisfied'] }] }, reason: { allOf: [ref('TokenDatatype'), { enum: ['pass', 'fail', 'other'] }] }, remarks: markup }, ['state']),
          'implementation-status': any,
          remarks: markup,
        },
        ['type', 'target-id', 'status'],
      ),
      'implementation-statement-uuid': ref('UUIDDatatype'),
      'related-observations': list(assembly({ 'observation-uuid': ref('UUIDDatatype') }, ['observation-uuid'])),
      'related-risks': list(assembly({ 'risk-uuid': ref('UUIDDatatype') }, ['risk-uuid'])),
      remarks: markup,
    },
    ['uuid', 'title', 'description', 'target'],
  ),
  'control-selection': assembly({
    description: markup,
    props: list(ref('property')),
    links: list(ref('link')),
    'include-all': assembly({}),
    'include-controls': list(assembly({ 'control-id': ref('TokenDatatype'), 'statement-ids': list(ref('TokenDatatype')) }, ['control-id'])),
    'exclude-controls': list(any),
    remarks: markup,
  }),
  result: assembly(
    {
      uuid: ref('UUIDDatatype'),
      title: markup,
      description: markup,
      start: ref('DateTimeWithTimezoneDatatype'),
      end: ref('DateTimeWithTimezoneDatatype'),
      props: list(ref('property')),
      links: list(ref('link')),
      'local-definitions': any,
      'reviewed-controls': assembly({ description: markup, props: list(ref('property')), links: list(ref('link')), 'control-selections': list(ref('control-selection')), 'control-objective-selections': list(any), remarks: markup }, ['control-selections']),
      attestations: list(any),
      'assessment-log': any,
      observations: list(ref('observation')),
      risks: list(ref('risk')),
      findings: list(ref('finding')),
      remarks: markup,
    },
    ['uuid', 'title', 'description', 'start', 'reviewed-controls'],
  ),
  'poam-item': assembly(
    {
      uuid: ref('UUIDDatatype'),
      title: markup,
      description: markup,
      props: list(ref('property')),
      links: list(ref('link')),
      origins: list(any),
      'related-findings': list(assembly({ 'finding-uuid': ref('UUIDDatatype') }, ['finding-uuid'])),
      'related-observations': list(assembly({ 'observation-uuid': ref('UUIDDatatype') }, ['observation-uuid'])),
      'related-risks': list(assembly({ 'risk-uuid': ref('UUIDDatatype') }, ['risk-uuid'])),
      remarks: markup,
    },
    ['title', 'description'],
  ),
};

export const ASSESSMENT_RESULTS_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  definitions,
  type: 'object',
  properties: {
    'assessment-results': assembly(
      { uuid: ref('UUIDDatatype'), metadata: ref('metadata'), 'import-ap': assembly({ href: ref('URIReferenceDatatype'), remarks: markup }, ['href']), 'local-definitions': any, results: list(ref('result')), 'back-matter': ref('back-matter') },
      ['uuid', 'metadata', 'import-ap', 'results'],
    ),
  },
  required: ['assessment-results'],
  additionalProperties: false,
};

export const POAM_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  definitions,
  type: 'object',
  properties: {
    'plan-of-action-and-milestones': assembly(
      {
        uuid: ref('UUIDDatatype'),
        metadata: ref('metadata'),
        'import-ssp': any,
        'system-id': assembly({ 'identifier-type': ref('URIDatatype'), id: { type: 'string' } }, ['id']),
        'local-definitions': any,
        observations: list(ref('observation')),
        risks: list(ref('risk')),
        findings: list(any),
        'poam-items': list(ref('poam-item')),
        'back-matter': ref('back-matter'),
      },
      ['uuid', 'metadata', 'poam-items'],
    ),
  },
  required: ['plan-of-action-and-milestones'],
  additionalProperties: false,
};
