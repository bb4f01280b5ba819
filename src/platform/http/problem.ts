import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorObject } from 'ajv';
import { AppError, problemStatus, problemType, type FieldProblem, type ProblemId } from '../errors.js';
import { securityHeaders } from './headers.js';
import { problemsOf } from '../validation.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldProblem[];
  /** The first offending field, repeated at top level for clients that read only one. */
  field?: string;
  requestId?: string;
}

export function toProblem(error: unknown, request: FastifyRequest): Problem {
  const base = { instance: request.url.split('?')[0], requestId: request.id };
  if (error instanceof AppError) {
    return withField({ type: problemType(error.id), title: error.title, status: error.status, detail: error.message, errors: error.errors, ...base });
  }
  const fe = error as FastifyError & { validation?: ErrorObject[]; validationContext?: string };
  if (fe.validation) {
    const context = fe.validationContext ?? 'body';
    // Query and path problems are named by parameter, body problems by JSON pointer.
    const errors = problemsOf(fe.validation).map((p) => (context === 'body' ? p : { ...p, field: p.field.replace(/^\//, '') || context }));
    const first = errors[0];
    const detail = first ? `${fe.validationContext ?? 'request'} ${first.field}: ${first.reason}` : fe.message;
    return withField({ type: problemType('validation_failed'), title: 'The request is not valid', status: 400, detail, errors, ...base });
  }
  const mapped = mapFastifyCode(fe.code);
  if (mapped) {
    const detail = mapped.id === 'payload_too_large' ? `the body exceeds the limit of ${request.routeOptions.bodyLimit} bytes` : fe.message;
    return { type: problemType(mapped.id), title: mapped.title, status: mapped.status, detail, ...base };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { type: problemType('validation_failed'), title: 'The request is not valid', status: fe.statusCode, detail: fe.message, ...base };
  }
  return { type: problemType('internal_error'), title: 'Internal error', status: 500, detail: 'an unexpected error occurred; the request id identifies it in the logs', ...base };
}

function withField(problem: Problem): Problem {
  const first = problem.errors?.[0];
  if (!first) {
    delete problem.errors;
    return problem;
  }
  return { ...problem, field: first.field };
}

function mapFastifyCode(code: string | undefined): { id: ProblemId; title: string; status: number } | null {
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { id: 'payload_too_large', title: 'Payload too large', status: 413 };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { id: 'unsupported_media_type', title: 'Unsupported media type', status: 415 };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_VALIDATION':
      return { id: 'validation_failed', title: 'The request is not valid', status: 400 };
    default:
      return null;
  }
}

export function sendProblem(reply: FastifyReply, problem: Problem, headers: Record<string, string> = {}): FastifyReply {
  return reply.status(problem.status).headers(headers).type('application/problem+json').send(problem);
}

/**
 * Node's http server reports errors that happen before a request exists (headers over the size
 * limit, a request not received in time, malformed HTTP) here; the answer is written on the socket
 * as problem+json, and the connection closed.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [id, detail]: [ProblemId, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ['headers_too_large', 'the request line and headers exceed the 16 KiB limit']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['request_timeout', 'the request was not received completely in time']
        : ['validation_failed', 'the request is not valid HTTP'];
  writeRawProblem(socket, id, detail);
}

/** Writes a problem+json answer straight on a socket (no request object exists) and closes it. */
export function writeRawProblem(socket: Socket, id: ProblemId, detail: string): void {
  const { status, title } = problemStatus(id);
  const body = JSON.stringify({ type: problemType(id), title, status, detail });
  const headers = { ...securityHeaders('application/problem+json'), 'content-type': 'application/problem+json', 'content-length': String(Buffer.byteLength(body)), connection: 'close' };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${body}`);
  // A client that never reads would keep the socket half-open: close it for good shortly after.
  setTimeout(() => socket.destroy(), 1000).unref();
}
