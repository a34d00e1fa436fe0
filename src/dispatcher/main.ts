// npm run dispatcher: run queued containers on this host as local processes (see docs/dispatcher.md).
import { type DispatcherConfig, DispatcherConfigError, loadDispatcherConfig } from './config.js';
import { Dispatcher, DispatcherTokenError } from './dispatcher.js';
import { GatewayClient } from './gateway-client.js';
import { LocalRuntime } from './local-runtime.js';
import { createLog } from './log.js';

let config: DispatcherConfig;
try {
  config = loadDispatcherConfig();
} catch (err) {
  if (err instanceof DispatcherConfigError) {
    console.error(err.message);
    console.error(
      'Set DISPATCHER_TOKEN to an admin token (npm run cli -- create-token --admin); see the README for the other variables.',
    );
    process.exit(2);
  }
  throw err;
}

const log = createLog(config.logLevel);
const dispatcher = new Dispatcher(
  config,
  new GatewayClient(config.gatewayUrl, config.token),
  new LocalRuntime(config.dispatchDir),
  log,
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      log('warn', `${signal} again: exiting without finishing the containers`);
      process.exit(1);
    }
    stopping = true;
    log('info', `${signal}: finishing the running containers, then exiting`);
    dispatcher.shutdown().then(
      () => process.exit(0),
      (err: Error) => {
        log('error', 'shutdown failed', { error: err.message });
        process.exit(1);
      },
    );
  });
}

try {
  await dispatcher.start();
} catch (err) {
  if (err instanceof DispatcherTokenError) {
    log('error', err.message);
    process.exit(1);
  }
  throw err;
}
