/**
 * Application errors with stable ids. The HTTP layer renders them as RFC 9457 problem+json;
 * the CLI prints their message as one line. Services throw these and nothing else on purpose.
 */
export interface FieldProblem {
  /** JSON pointer (body) or parameter name (query, path) of the offending input. */
  field: string;
  reason: string;
}

export type ProblemId =
  | 'validation_failed'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'csrf_token_invalid'
  | 'conflict'
  | 'link_used'
  | 'link_expired'
  | 'unprocessable_content'
  | 'rate_limited'
  | 'payload_too_large'
  | 'headers_too_large'
  | 'too_many_connections'
  | 'request_timeout'
  | 'unsupported_media_type'
  | 'unavailable'
  | 'internal_error';

const STATUS: Record<ProblemId, number> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  csrf_token_invalid: 403,
  not_found: 404,
  conflict: 409,
  link_used: 410,
  link_expired: 410,
  unprocessable_content: 422,
  request_timeout: 408,
  payload_too_large: 413,
  headers_too_large: 431,
  too_many_connections: 429,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  unavailable: 503,
};

const TITLE: Record<ProblemId, string> = {
  validation_failed: 'The request is not valid',
  unauthorized: 'Authentication required',
  forbidden: 'Not allowed',
  csrf_token_invalid: 'Missing or stale CSRF token',
  not_found: 'Not found',
  conflict: 'Conflict with the current state',
  link_used: 'This link has already been used',
  link_expired: 'This link has expired',
  unprocessable_content: 'The request is well-formed but its content cannot be accepted',
  request_timeout: 'Request timeout',
  payload_too_large: 'Payload too large',
  headers_too_large: 'Request headers too large',
  too_many_connections: 'Too many connections',
  unsupported_media_type: 'Unsupported media type',
  rate_limited: 'Too many requests',
  internal_error: 'Internal error',
  unavailable: 'Service unavailable',
};

export class AppError extends Error {
  readonly status: number;
  readonly title: string;
  constructor(
    readonly id: ProblemId,
    message: string,
    readonly errors: FieldProblem[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = STATUS[id];
    this.title = TITLE[id];
  }
}

export const validationError = (message: string, errors: FieldProblem[] = []) =>
  new AppError('validation_failed', message, errors);
export const invalidField = (field: string, reason: string) =>
  new AppError('validation_failed', `${field}: ${reason}`, [{ field, reason }]);
export const notFound = (what: string, id: string) => new AppError('not_found', `${what} ${id} does not exist`);
export const unauthorized = (message = 'a valid bearer token or session is required') =>
  new AppError('unauthorized', message);
export const forbidden = (message: string) => new AppError('forbidden', message);
/** Well-formed input that the current state refuses, each problem named (e.g. an answer of the wrong type, a missing required answer). */
export const unprocessable = (message: string, errors: FieldProblem[] = []) => new AppError('unprocessable_content', message, errors);
export const conflict = (message: string, errors: FieldProblem[] = []) => new AppError('conflict', message, errors);
export const rateLimited = (retryAfterSeconds: number) =>
  new AppError('rate_limited', `too many failed attempts; retry in ${retryAfterSeconds} s`, [], {
    'retry-after': String(retryAfterSeconds),
  });
export const payloadTooLarge = (limitBytes: number) =>
  new AppError('payload_too_large', `the body exceeds the limit of ${limitBytes} bytes`);

export function problemStatus(id: ProblemId): { status: number; title: string } {
  return { status: STATUS[id], title: TITLE[id] };
}

export function problemType(id: ProblemId): string {
  return `https://thirdwatch.dev/problems/${id.replace(/_/g, '-')}`;
}
