// Baseline A: a yoga + Pothos server answering one static field, no database, no token. Apart
// from the other baselines (bench/baselines.ts) so that the bare server process
// (bench/bare-server.ts) loads yoga and Pothos and nothing of the gateway.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import SchemaBuilder from '@pothos/core';
import { createYoga } from 'graphql-yoga';

export interface BaselineServer {
  url: string;
  close(): Promise<void>;
}

const STATIC_ME = { uuid: 'zzzzz-tpzed-000000000000000', isAdmin: true };

/** A schema builder like the gateway's (its plugins declare their options for every builder of this program; this one uses none). */
export function baselineBuilder() {
  return new SchemaBuilder({} as ConstructorParameters<typeof SchemaBuilder>[0]);
}

/**
 * A's query field `static`: what `{ me { uuid isAdmin } }` would answer with no token check and
 * no database. `beforeStatic` runs before each answer (the bare server's PGlite floor); without
 * it the resolver stays synchronous, as the throughput baseline has always been.
 */
export function addStaticField(
  builder: ReturnType<typeof baselineBuilder>,
  beforeStatic?: () => Promise<void>,
) {
  const Me = builder.objectRef<{ uuid: string; isAdmin: boolean }>('Me').implement({
    fields: (t) => ({ uuid: t.exposeString('uuid'), isAdmin: t.exposeBoolean('isAdmin') }),
  });
  builder.queryType({
    fields: (t) => ({
      static: t.field({
        type: Me,
        resolve: beforeStatic ? () => beforeStatic().then(() => STATIC_ME) : () => STATIC_ME,
      }),
    }),
  });
}

/** Serves the builder's schema with yoga on 127.0.0.1 (port `listenOn`, 0 for any). */
export async function serveBaseline(
  builder: ReturnType<typeof baselineBuilder>,
  listenOn: number,
  onClose: () => Promise<unknown> = async () => {},
): Promise<BaselineServer> {
  const yoga = createYoga({ schema: builder.toSchema(), logging: false });
  const server = http.createServer(yoga);
  await new Promise<void>((resolve) => server.listen(listenOn, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await onClose();
    },
  };
}
