const REDACTED = '[redacted]';

// The replay-stream token is a bearer capability in the path: it must never reach a log line.
const REPLAY_STREAM_TOKEN = /(\/replay-streams\/+)[^/?#]*/gi;
const SECRET_QUERY_PARAM = /token|secret|password|passwd|signature|sig|key|code|auth|jwt|session/i;

/** A request URL safe to log: replay-stream tokens and secret-looking query values replaced. */
export const redactUrl = (url: string | undefined): string => {
  if (!url) return '';
  const q = url.indexOf('?');
  const path = (q === -1 ? url : url.slice(0, q)).replace(REPLAY_STREAM_TOKEN, `$1${REDACTED}`);
  if (q === -1) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      return eq !== -1 && SECRET_QUERY_PARAM.test(decodeSafe(name)) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${path}?${query}`;
};

/** The request path without the query, redacted: used as a problem's `instance`. */
export const redactedPath = (url: string | undefined): string => redactUrl((url ?? '').split('?')[0]);

const JWT_LIKE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const BEARER = /Bearer\s+[A-Za-z0-9\-._~+/]+=*/gi;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** Scrubs free text (error messages, stacks) of tokens and e-mail addresses before logging. */
export const scrubText = (text: string | undefined): string | undefined =>
  text
    ?.replace(BEARER, `Bearer ${REDACTED}`)
    .replace(JWT_LIKE, REDACTED)
    .replace(EMAIL, REDACTED)
    .replace(REPLAY_STREAM_TOKEN, `$1${REDACTED}`);

/** pino redact paths: credentials wherever a header bag or token field shows up in a log object. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'req.query.token',
  'req.query.access_token',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'secret',
  '*.secret',
];

const decodeSafe = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export { REDACTED };
