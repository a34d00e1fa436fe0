import crypto from 'node:crypto';
import type { Plugin } from 'graphql-yoga';

export const REQUEST_ID_HEADER = 'x-request-id';

// A client's id is kept only when it cannot be a secret or junk in our logs: at most 64
// characters of letters, digits and `-_.:`, none of its runs of letters and digits longer than
// 26 (a UUID's longest is 12, a ULID is 26), while a token secret is letters and digits only,
// 32 or more of them in a row (a root token's minimum; issued ones are longer).
const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const LONGEST_RUN = 26;

/** The client's X-Request-Id if it is safe to log, else null. */
export function acceptedRequestId(given: string | null): string | null {
  if (given === null || !SAFE_ID.test(given)) return null;
  return given.split(/[._:-]/).every((run) => run.length <= LONGEST_RUN) ? given : null;
}

interface RequestMark {
  id: string;
  /** performance.now() when the request arrived. */
  start: number;
}

const marks = new WeakMap<Request, RequestMark>();

/** The request's id and arrival time (set by requestIdPlugin, which runs first). */
export function requestMark(request: Request | undefined): RequestMark | undefined {
  return request ? marks.get(request) : undefined;
}

/**
 * Every request gets an id: the client's X-Request-Id when acceptable, else a random UUID. It
 * is in the request's log lines and returned in the response's X-Request-Id, so that a client
 * (or a proxy that set it) can find the lines of its request.
 */
export function requestIdPlugin(): Plugin {
  return {
    onRequest({ request }) {
      const id = acceptedRequestId(request.headers.get(REQUEST_ID_HEADER)) ?? crypto.randomUUID();
      marks.set(request, { id, start: performance.now() });
    },
    onResponse({ request, response }) {
      const mark = marks.get(request);
      if (mark) response.headers.set(REQUEST_ID_HEADER, mark.id);
    },
  };
}
