// The GraphQL-over-HTTP audit suite (graphql-http), as graphql-yoga runs it on itself, against
// our yoga instance with a valid token. Every MUST and SHOULD item must pass; MAY items are
// options (yoga answers 200, not 400, to an object-valued `query` parameter) and are not run.
import { serverAudits } from 'graphql-http';
import { describeBackends } from '../helpers/gateway.js';

describeBackends('GraphQL over HTTP audit', (gw) => {
  for (const audit of serverAudits({
    url: 'http://test/graphql',
    fetchFn: (input: RequestInfo | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${gw().rootToken}`);
      return gw().gateway.yoga.fetch(String(input instanceof Request ? input.url : input), {
        ...init,
        headers,
      });
    },
  }).filter((a) => !a.name.startsWith('MAY'))) {
    test(audit.name, async () => {
      const result = await audit.fn();
      if (result.status !== 'ok') throw new Error(`${result.reason}`);
    });
  }
});
