import { DomainError, type ErrorKind } from '@vgp/domain';

/**
 * The one table from an error's kind to what the edges answer: the HTTP status and default title, and
 * the WebSocket error code. Contexts pick a kind and write the detail; they never pick a status.
 */
export const ERROR_KINDS: Record<ErrorKind, { status: number; title: string; webSocketCode: string }> = {
  invalid: { status: 400, title: 'Invalid request', webSocketCode: 'invalid_message' },
  unauthenticated: { status: 401, title: 'Unauthorized', webSocketCode: 'unauthenticated' },
  forbidden: { status: 403, title: 'Forbidden', webSocketCode: 'forbidden' },
  not_found: { status: 404, title: 'Not Found', webSocketCode: 'not_found' },
  conflict: { status: 409, title: 'Conflict', webSocketCode: 'conflict' },
  too_large: { status: 413, title: 'Payload Too Large', webSocketCode: 'too_large' },
  unsupported_media_type: { status: 415, title: 'Unsupported Media Type', webSocketCode: 'invalid_message' },
  range_not_satisfiable: { status: 416, title: 'Range Not Satisfiable', webSocketCode: 'invalid_message' },
  unprocessable: { status: 422, title: 'Unprocessable Content', webSocketCode: 'unprocessable' },
  rate_limited: { status: 429, title: 'Too Many Requests', webSocketCode: 'rate_limited' },
  unavailable: { status: 503, title: 'Service Unavailable', webSocketCode: 'unavailable' },
};

/** Kinds whose WebSocket code is the kind itself; the others say which rule refused (`call_ended`). */
const GENERIC_ON_WEBSOCKET: ReadonlySet<ErrorKind> = new Set([
  'invalid',
  'unauthenticated',
  'forbidden',
  'not_found',
  'rate_limited',
  'unavailable',
]);

export const statusOf = (error: DomainError): number => ERROR_KINDS[error.kind].status;

/** The error frame a WebSocket client gets for a refusal: `{ code, detail }`. */
export const webSocketErrorOf = (error: DomainError): { code: string; detail: string } => ({
  code: GENERIC_ON_WEBSOCKET.has(error.kind) ? ERROR_KINDS[error.kind].webSocketCode : error.code.replace(/-/g, '_'),
  detail: error.detail,
});
