import type { Plugin } from 'graphql-yoga';

/**
 * An event stream's connection is not reused once the stream ends: `Connection: close`.
 * Object subscriptions complete (when the object is final), and a client that sent its next
 * request on the finished stream's kept-alive connection had it reset; a stream holds its
 * connection for its whole life anyway, so keep-alive gains nothing here.
 */
export function closeFinishedEventStreams(): Plugin {
  return {
    onResponse({ response }) {
      if (response.headers.get('content-type')?.startsWith('text/event-stream'))
        response.headers.set('connection', 'close');
    },
  };
}
