import type { Plugin } from 'graphql-yoga';
import { errorWithCode } from '../errors.js';
import { readLimited } from '../format/read-limited.js';

/** The largest request body the gateway reads (yoga's own default, kept). */
export const MAX_REQUEST_BODY_BYTES = 25_000_000;

// yoga's own limit (maxRequestBodySize, turned off in yoga.ts) pipes every body through a
// byte-counting stream, whatever its Content-Length says: a stream pipeline, an AbortSignal and
// a DOMException per request, about 5% of a cheap operation's CPU. A body that states its
// length needs no counting: Node's HTTP parser delivers exactly that many bytes and refuses
// Content-Length together with chunked encoding. Only a body without it (chunked) is read
// here with a count.
const CONTENT_LENGTH = /^\d+$/;

const tooLarge = () =>
  errorWithCode('BAD_USER_INPUT', `The request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes.`, {
    extensions: { http: { status: 413 } },
  });

/** Refuses request bodies over `limit` bytes (413, BAD_USER_INPUT) before anything parses them. */
export function requestBodyLimit(limit = MAX_REQUEST_BODY_BYTES): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const length = request.headers.get('content-length');
      if (length !== null) {
        if (!CONTENT_LENGTH.test(length))
          throw errorWithCode('BAD_USER_INPUT', 'The Content-Length header is not a number.', {
            extensions: { http: { status: 400 } },
          });
        if (Number(length) > limit) throw tooLarge();
        return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser(async (req) => {
        const body = await readLimited(req.body, limit);
        if (body === null) throw tooLarge();
        return parse(
          new fetchAPI.Request(req.url, {
            method: req.method,
            headers: req.headers,
            body: body as Uint8Array<ArrayBuffer>,
          }),
        );
      });
    },
  };
}
