/**
 * The one way the UI talks to the Thirdwatch API.
 *
 * Two ways to be signed in:
 * - an API token, kept in sessionStorage and sent as `Authorization: Bearer <token>`;
 * - an e-mail/password session: the server keeps it in an HttpOnly cookie the browser sends by
 *   itself, and every unsafe request must echo the session's CSRF token in `X-CSRF-Token`.
 *
 * Errors come back as RFC 9457 problem+json and are thrown as {@link ApiError}; forms turn
 * `errors[].field` JSON pointers into messages next to the right input with {@link fieldErrors}.
 */
import type { Session } from './types.js';

export interface FieldProblem {
  /** JSON pointer into the body (`/domains/0`) or a query/path parameter name (`cursor`). */
  field: string;
  reason: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldProblem[];
  field?: string;
  requestId?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
  }

  get fieldProblems(): FieldProblem[] {
    return this.problem.errors ?? [];
  }
}

type Auth = { mode: 'token'; token: string } | { mode: 'session'; csrfToken: string | null } | { mode: 'none' };

const TOKEN_KEY = 'thirdwatch.token';
/** Set while this browser holds a cookie session (the cookie itself is HttpOnly, so invisible here). */
const SESSION_HINT_KEY = 'thirdwatch.session';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

let auth: Auth = readStoredToken();
const unauthorizedListeners = new Set<() => void>();

function readStoredToken(): Auth {
  try {
    const token = sessionStorage.getItem(TOKEN_KEY);
    return token ? { mode: 'token', token } : { mode: 'none' };
  } catch {
    return { mode: 'none' };
  }
}

export type QueryValue = string | number | boolean | null | undefined | ReadonlyArray<string | number>;

export function buildQuery(query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

interface RequestOptions {
  query?: Record<string, QueryValue>;
  json?: unknown;
  /** A raw body (e.g. CSV text) sent with `contentType`. */
  body?: string | Blob;
  contentType?: string;
  /** Statuses other than 2xx whose JSON body is a result, not a problem (e.g. 422 from a refused import). */
  resultStatuses?: number[];
  signal?: AbortSignal;
  /** A bearer token for this request instead of the signed-in user's credentials (the vendor portal's session). */
  bearer?: string;
}

function headersFor(method: string, extra: Record<string, string> = {}, bearer?: string): Headers {
  const headers = new Headers({ accept: 'application/json, application/problem+json', ...extra });
  if (bearer) headers.set('authorization', `Bearer ${bearer}`);
  else if (auth.mode === 'token') headers.set('authorization', `Bearer ${auth.token}`);
  else if (auth.mode === 'session' && auth.csrfToken && !SAFE.has(method)) headers.set('x-csrf-token', auth.csrfToken);
  return headers;
}

async function send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  const extra: Record<string, string> = {};
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    extra['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    extra['content-type'] = options.contentType ?? 'application/octet-stream';
    body = options.body;
  }
  let response: Response;
  try {
    response = await fetch(`${path}${buildQuery(options.query)}`, {
      method,
      headers: headersFor(method, extra, options.bearer),
      body,
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, { type: 'about:blank', title: 'Network error', status: 0, detail: 'The Thirdwatch server cannot be reached. Check your connection and try again.' });
  }
  if (response.status === 401 && !path.startsWith('/api/v1/auth/') && !options.bearer) {
    for (const listener of unauthorizedListeners) listener();
  }
  return response;
}

async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as Partial<Problem>;
    return {
      type: parsed.type ?? 'about:blank',
      title: parsed.title ?? response.statusText,
      status: parsed.status ?? response.status,
      detail: parsed.detail ?? parsed.title ?? response.statusText,
      errors: Array.isArray(parsed.errors) ? parsed.errors : undefined,
      field: parsed.field,
      requestId: parsed.requestId ?? response.headers.get('x-request-id') ?? undefined,
    };
  } catch {
    return {
      type: 'about:blank',
      title: response.statusText || `HTTP ${response.status}`,
      status: response.status,
      detail: text.slice(0, 300) || `The server answered ${response.status}.`,
      requestId: response.headers.get('x-request-id') ?? undefined,
    };
  }
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  let response = await send(method, path, options);
  if (response.status === 403 && auth.mode === 'session' && !options.bearer && !SAFE.has(method)) {
    // The session's CSRF token may have been rotated (another tab signed in again): fetch it and retry once.
    const problem = await problemOf(response.clone());
    if (/X-CSRF-Token/i.test(problem.detail) && (await refreshCsrfToken())) response = await send(method, path, options);
  }
  if (response.status === 204) return undefined as T;
  if (response.ok || options.resultStatuses?.includes(response.status)) {
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
  throw new ApiError(response.status, await problemOf(response));
}

export const api = {
  get: <T>(path: string, query?: Record<string, QueryValue>, signal?: AbortSignal) => request<T>('GET', path, { query, signal }),
  post: <T>(path: string, json?: unknown, query?: Record<string, QueryValue>) => request<T>('POST', path, { json: json ?? {}, query }),
  put: <T>(path: string, json: unknown) => request<T>('PUT', path, { json }),
  patch: <T>(path: string, json: unknown) => request<T>('PATCH', path, { json }),
  delete: (path: string) => request<void>('DELETE', path),
  request,

  /** Fetches a file with the current credentials and hands it to the browser as a download. */
  async download(path: string, query: Record<string, QueryValue>, fallbackName: string): Promise<void> {
    const response = await send('GET', path, { query });
    if (!response.ok) throw new ApiError(response.status, await problemOf(response));
    const blob = await response.blob();
    const disposition = response.headers.get('content-disposition') ?? '';
    const name = /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? fallbackName;
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  },
};

// ---- Authentication ----

/** Signs in with an API token: checks it against /auth/session before keeping it. */
export async function signInWithToken(token: string): Promise<Session> {
  const previous = auth;
  auth = { mode: 'token', token: token.trim() };
  try {
    const session = await request<Session>('GET', '/api/v1/auth/session');
    sessionStorage.setItem(TOKEN_KEY, token.trim());
    return session;
  } catch (error) {
    auth = previous;
    throw error;
  }
}

/** Signs in with e-mail and password; the server sets the HttpOnly session cookie. */
export async function signInWithPassword(email: string, password: string): Promise<Session> {
  sessionStorage.removeItem(TOKEN_KEY);
  auth = { mode: 'none' };
  await request<Session>('POST', '/api/v1/auth/login', { json: { email, password } });
  auth = { mode: 'session', csrfToken: null };
  // Ask who we are with the cookie alone: proves the browser kept it and yields the CSRF token for writes.
  let session: Session;
  try {
    session = await request<Session>('GET', '/api/v1/auth/session');
  } catch (error) {
    auth = { mode: 'none' };
    if (error instanceof ApiError && error.status === 401) {
      throw new ApiError(401, {
        ...error.problem,
        detail: 'Signed in, but the browser did not keep the session cookie. If the server sends Secure cookies, open Thirdwatch over HTTPS.',
      });
    }
    throw error;
  }
  auth = { mode: 'session', csrfToken: session.csrfToken };
  try {
    localStorage.setItem(SESSION_HINT_KEY, '1');
  } catch {
    // without storage a reload asks to sign in again
  }
  return session;
}

async function refreshCsrfToken(): Promise<boolean> {
  try {
    const session = await request<Session>('GET', '/api/v1/auth/session');
    if (auth.mode !== 'session' || !session.csrfToken) return false;
    auth = { mode: 'session', csrfToken: session.csrfToken };
    return true;
  } catch {
    return false;
  }
}

/** On load: resumes a token from this tab, or a cookie session if the browser holds one. */
export async function resumeSession(): Promise<Session | null> {
  let hinted = false;
  try {
    hinted = localStorage.getItem(SESSION_HINT_KEY) === '1';
  } catch {
    hinted = false;
  }
  if (auth.mode === 'none' && !hinted) return null;
  try {
    const session = await request<Session>('GET', '/api/v1/auth/session');
    if (auth.mode !== 'token') auth = { mode: 'session', csrfToken: session.csrfToken };
    return session;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      forgetCredentials();
      return null;
    }
    throw error;
  }
}

export async function signOut(): Promise<void> {
  const wasSession = auth.mode === 'session';
  try {
    if (wasSession) await request<void>('POST', '/api/v1/auth/logout', { json: {} });
  } finally {
    forgetCredentials();
  }
}

function forgetCredentials(): void {
  const cookieSession = auth.mode !== 'token';
  auth = { mode: 'none' };
  try {
    sessionStorage.removeItem(TOKEN_KEY);
    if (cookieSession) localStorage.removeItem(SESSION_HINT_KEY);
  } catch {
    // storage may be unavailable (private mode): nothing to forget
  }
}

export function authMode(): Auth['mode'] {
  return auth.mode;
}

/** Called when any API call answers 401: the token was revoked or the session expired. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

// ---- Field errors ----

const PATTERN_HINTS: Array<[RegExp, string]> = [
  [/(^|\/)domains?$/, 'is not a valid domain name (e.g. example.com or *.example.com)'],
  [/(^|\/)country$/, 'must be a two-letter ISO country code such as DE'],
  [/(^|\/)currency$/, 'must be a three-letter currency code such as EUR'],
  [/(^|\/)lei$/, 'must be a 20-character LEI: 18 letters or digits, then 2 digits'],
  [/(^|\/)duns$/, 'must be a 9-digit D-U-N-S number'],
  [/(^|\/)vat$/, 'must start with a two-letter country prefix, e.g. DE123456789'],
  [/(^|\/)website$/, 'must start with http:// or https://'],
  [/(^|\/)phone$/, 'may contain only digits, spaces and + ( ) . / -'],
];

const ALLOWED: Array<[RegExp, string]> = [
  [/(^|\/)(datacategories)$/, 'none, internal, confidential, personal, payment, special-category'],
  [/(^|\/)(accesslevel)$/, 'none, physical, network, integrated, privileged'],
  [/(^|\/)status$/, 'prospect, active, offboarding, terminated'],
  [/(^|\/)type$/, 'desktop-app, server-software, library, saas, agent, device, service, mobile-app, firmware'],
];

/** Turns the validator's wording into something a person reads; keeps server wording otherwise. */
export function humanizeReason(field: string, reason: string): string {
  const key = field.replace(/\/\d+$/, '').replace(/_/g, '');
  const simple = key.toLowerCase();
  if (/^must NOT have fewer than 1 characters?$/.test(reason) || reason === 'is required') return 'is required';
  let m = /^must NOT have (more|fewer) than (\d+) characters$/.exec(reason);
  if (m) return `must be at ${m[1] === 'more' ? 'most' : 'least'} ${m[2]} characters`;
  m = /^must NOT have (more|fewer) than (\d+) items$/.exec(reason);
  if (m) return `must have at ${m[1] === 'more' ? 'most' : 'least'} ${m[2]} entries`;
  if (reason.startsWith('must match pattern') || reason.startsWith('is not valid: expected') || reason === 'is not in the expected format') {
    for (const [test, hint] of PATTERN_HINTS) if (test.test(simple) || test.test(key)) return hint;
    return 'has an invalid format';
  }
  m = /^must match format "([^"]+)"$/.exec(reason) ?? /^is not a valid (uri|email|date|date-time)$/.exec(reason);
  if (m) {
    const formats: Record<string, string> = { uri: 'must be a valid URL', email: 'must be a valid e-mail address', date: 'must be a date (YYYY-MM-DD)', 'date-time': 'must be a date and time' };
    return formats[m[1]] ?? `must be a valid ${m[1]}`;
  }
  m = /^must be (<=|>=|<|>) (-?[\d.]+)$/.exec(reason);
  if (m) return `must be ${{ '<=': 'at most', '>=': 'at least', '<': 'less than', '>': 'more than' }[m[1]]} ${m[2]}`;
  if (reason === 'must be integer') return 'must be a whole number';
  if (reason === 'must be equal to one of the allowed values') {
    const allowed = ALLOWED.find(([test]) => test.test(simple))?.[1];
    return allowed ? `must be one of: ${allowed}` : 'is not one of the allowed values';
  }
  if (reason === 'must NOT have duplicate items' || /^must NOT have duplicate items/.test(reason)) return 'lists the same value twice';
  if (reason === 'must NOT have additional properties') return 'is not a known field';
  return reason;
}

/**
 * Maps an error's field problems onto form keys (JSON pointers such as `/name`, `/legalIds/lei`).
 * A problem belongs to the longest key that is its pointer or a prefix of it, so `/domains/0` lands on
 * `/domains` and names the entry. Problems no key claims are returned under `''` for a summary.
 */
export function fieldErrors(error: unknown, keys: readonly string[], body?: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  const sorted = [...keys].sort((a, b) => b.length - a.length);
  for (const { field, reason } of error.fieldProblems) {
    const pointer = field.startsWith('/') ? field : `/${field}`;
    const key = sorted.find((k) => pointer === k || pointer.startsWith(`${k}/`)) ?? '';
    let message = humanizeReason(pointer, reason);
    const rest = key ? pointer.slice(key.length + 1) : '';
    if (key && /^\d+$/.test(rest)) {
      const value = valueAt(body, pointer);
      message = typeof value === 'string' ? `“${value}” ${message}` : `entry ${Number(rest) + 1} ${message}`;
    } else if (key && rest) {
      message = `${rest}: ${message}`;
    }
    out[key] = out[key] ? `${out[key]}; ${message}` : message;
  }
  return out;
}

function valueAt(body: unknown, pointer: string): unknown {
  let node: unknown = body;
  for (const part of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/** A sentence for a banner: the problem's detail, or the message of anything else thrown. */
/** Worth retrying as is: the network, a timeout, rate limiting or the server; never a 4xx about the request itself. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500;
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return `Not allowed: ${error.problem.detail}`;
    // A malformed id in the address (a mistyped or truncated link) is a page that does not exist, not a form error.
    if (error.status === 400 && error.problem.detail?.startsWith('params ')) return 'Nothing exists at this address: the link is not valid. Check it, or find the item from the inventory.';
    if (error.status === 404) return error.problem.detail || 'Not found.';
    return error.problem.detail || error.problem.title;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Uploads a raw body with XMLHttpRequest so the caller can show upload progress (fetch cannot).
 * Resolves with the parsed JSON; rejects with {@link ApiError} built from the problem+json answer.
 */
export function upload<T>(path: string, query: Record<string, QueryValue>, file: Blob, contentType: string, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${path}${buildQuery(query)}`);
    xhr.withCredentials = true;
    headersFor('POST', { 'content-type': contentType }).forEach((value, key) => xhr.setRequestHeader(key, value));
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onerror = () => reject(new ApiError(0, { type: 'about:blank', title: 'Network error', status: 0, detail: 'The upload did not reach the Thirdwatch server. Check your connection and try again.' }));
    xhr.onload = () => {
      if (xhr.status === 401) for (const listener of unauthorizedListeners) listener();
      const response = new Response(xhr.status === 204 ? null : xhr.responseText, { status: xhr.status, statusText: xhr.statusText, headers: { 'x-request-id': xhr.getResponseHeader('x-request-id') ?? '' } });
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve((xhr.responseText ? JSON.parse(xhr.responseText) : undefined) as T);
      } else void problemOf(response).then((problem) => reject(new ApiError(xhr.status, problem)));
    };
    xhr.send(file);
  });
}
