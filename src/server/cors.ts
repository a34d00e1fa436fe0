import type { Plugin } from 'graphql-yoga';

const ALLOWED_METHODS = 'GET, POST';
const ALLOWED_HEADERS = 'authorization, content-type, accept, x-arvados-remote-cluster';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/**
 * CORS_ORIGINS (yoga's own CORS is switched off in yoga.ts: with no list it reflects every
 * origin and allows credentials). Empty, the default: no CORS headers at all, so only pages of
 * the gateway's own origin (GraphiQL) may read its answers. Listed origins get their own origin
 * back, others nothing; `*` lets any page read. Never `Access-Control-Allow-Credentials`: the
 * API reads no cookies (a page sends its own token in the Authorization header), so no page
 * needs the browser's credentials.
 */
export function corsPlugin(origins: readonly string[]): Plugin {
  const any = origins.includes('*');
  const allowed = (request: Request): string | null => {
    const origin = request.headers.get('origin');
    return origin && (any || origins.includes(origin)) ? origin : null;
  };
  return {
    onRequest({ request, fetchAPI, endResponse }) {
      const origin = allowed(request);
      if (request.method !== 'OPTIONS' || !origin) return;
      endResponse(
        new fetchAPI.Response(null, {
          status: 204,
          headers: {
            'content-length': '0',
            'access-control-allow-methods': ALLOWED_METHODS,
            'access-control-allow-headers': ALLOWED_HEADERS,
            'access-control-max-age': PREFLIGHT_MAX_AGE_SECONDS,
          },
        }),
      );
    },
    onResponse({ request, response }) {
      if (origins.length === 0) return;
      // The answer depends on the Origin header: caches must keep one per origin.
      response.headers.append('vary', 'Origin');
      const origin = allowed(request);
      if (origin) response.headers.set('access-control-allow-origin', origin);
    },
  };
}
