// The dispatcher's own configuration: environment → typed config, checked once at start. The
// dispatcher is a GraphQL client of the gateway and shares no code with it (it may run on
// another machine), so it reads its own variables here.
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

export interface DispatcherConfig {
  /** The gateway's GraphQL endpoint. */
  gatewayUrl: string;
  /** An admin token (v2), possibly narrowed to the dispatcher's scopes. */
  token: string;
  /** Where containers' working directories go (absolute). */
  dispatchDir: string;
  /** The budget: containers are locked only while their runtimeConstraints fit in it. */
  vcpus: number;
  ram: number;
  /** How often the queue is read when no event arrives (the subscription is the fast path). */
  pollSeconds: number;
  /** Between SIGTERM and SIGKILL when a container's process group is stopped. */
  killGraceSeconds: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export class DispatcherConfigError extends Error {}

/** Digits only, so that `1e3` or `0x10` are refused rather than guessed at. */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,16}$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be a whole number from ${min} to ${max}`);

const schema = z.object({
  GATEWAY_URL: z
    .string()
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'must be an http(s):// URL')
    .default('http://localhost:8080/graphql'),
  DISPATCHER_TOKEN: z
    .string()
    .regex(/^v2\/[0-9a-z]{5}-gj3su-[0-9a-z]{15}\/[0-9A-Za-z]+$/, 'must be a v2 token (v2/<uuid>/<secret>)'),
  DISPATCH_DIR: z.string().min(1).default('./dispatch'),
  DISPATCH_VCPUS: wholeNumber(1, 1 << 20).default(os.availableParallelism()),
  DISPATCH_RAM: wholeNumber(1, Number.MAX_SAFE_INTEGER).default(os.totalmem()),
  POLL_SECONDS: wholeNumber(1, 86_400).default(10),
  KILL_GRACE_SECONDS: wholeNumber(0, 3_600).default(10),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

/** Reads and checks the environment; a bad or missing variable throws one line naming it (never its value). */
export function loadDispatcherConfig(
  env: Record<string, string | undefined> = process.env,
): DispatcherConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    const why = present[name] === undefined ? 'is required' : issue.message;
    throw new DispatcherConfigError(`Invalid configuration: ${name} ${why}`);
  }
  const c = parsed.data;
  return {
    gatewayUrl: c.GATEWAY_URL,
    token: c.DISPATCHER_TOKEN,
    dispatchDir: path.resolve(c.DISPATCH_DIR),
    vcpus: c.DISPATCH_VCPUS,
    ram: c.DISPATCH_RAM,
    pollSeconds: c.POLL_SECONDS,
    killGraceSeconds: c.KILL_GRACE_SECONDS,
    logLevel: c.LOG_LEVEL,
  };
}
