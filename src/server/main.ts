// npm start: serve GraphQL on PORT, embedded PGlite unless DATABASE_URL is set.
import { type Config, ConfigError, loadConfig } from '../config.js';
import { describeTarget } from '../db/adapter.js';
import { allInterfaces, createGateway, hostPort } from './app.js';
import { collectGarbage } from './collect-garbage.js';
import { WORKBENCH_PATH, workbenchBuilt } from './workbench.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}

console.log(`Opening ${describeTarget(config.database)} and applying migrations…`);
const gateway = await createGateway(config).catch((err: Error) => {
  console.error(`Start-up failed: ${err.message}`);
  if (config.database.kind === 'postgres')
    console.error('Check that DATABASE_URL points at a running PostgreSQL server you can connect to.');
  else
    console.error(
      `Check that ${config.database.dataDir} is writable and not used by another running server.`,
    );
  process.exit(1);
});

// A start that migrated (every start on a new data directory: PGlite's initdb, then the schema
// engine) leaves hundreds of MB outside JavaScript's heap to the garbage collector, which may not
// get to them for minutes while the server idles: collected now, once, before serving.
if (gateway.services.db.migrated.length) await collectGarbage();

let url: string;
try {
  url = await gateway.listen();
} catch (err) {
  console.error(
    `Cannot listen on ${config.host ?? 'all interfaces'} port ${config.port}: ${(err as Error).message}. Set PORT to a free port (HOST to an address of this machine).`,
  );
  await gateway.close();
  process.exit(1);
}

gateway.services.metrics.collectProcessMetrics();
const bound = gateway.address!;
console.log(
  `GraphQL gateway (cluster ${config.clusterId}, pid ${process.pid}) listening on ${hostPort(bound)}${allInterfaces(bound) ? ' (all interfaces)' : ''}: ${url}/graphql — open it in a browser for GraphiQL`,
);
console.log(
  (await workbenchBuilt())
    ? `Workbench (web UI) at ${url}${WORKBENCH_PATH} — sign in with a token`
    : 'Workbench (web UI) not built: run `npm run build:workbench` (npm ci does)',
);
const root = gateway.rootToken;
if (root.kind === 'generated') {
  console.log('System root token (admin; shown once, keep it safe):');
  console.log(`  ${root.apiToken}`);
  console.log(
    `Try: curl -H "Authorization: Bearer ${root.apiToken}" -H 'content-type: application/json' -d '{"query":"{ me { uuid isAdmin } }"}' ${url}/graphql`,
  );
} else if (root.kind === 'existing') {
  console.log(
    'System root token: generated on first start and printed then. Make another admin token with `npm run cli -- create-token --admin`.',
  );
} else {
  console.log('System root token: SYSTEM_ROOT_TOKEN.');
}

// SIGTERM (an orchestrator, `kill`) or SIGINT (Ctrl-C; npm passes it on too, so it may come
// twice): drain, then exit 0. A repeated signal does not cut the drain short.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(
      `${signal}: draining (up to ${config.shutdownGraceSeconds} s for requests in flight), then shutting down`,
    );
    gateway.shutdown().then(
      () => process.exit(0),
      (err: Error) => {
        console.error(`Shutdown failed: ${err.message}`);
        process.exit(1);
      },
    );
  });
}
