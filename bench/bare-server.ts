// Baseline A as a process of its own, started the way `npm start` starts the gateway
// (`node --import tsx <file>`): a yoga + Pothos server with one static field and no database.
// What the gateway's start-up time and memory are compared with (bench/process.ts).
import { startBaselineServer } from './baselines.js';

const server = await startBaselineServer(null, 0, Number(process.env.PORT ?? 0));
console.log(`baseline listening: ${server.url} (pid ${process.pid})`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
