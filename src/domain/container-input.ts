import { badInput } from '../errors.js';
import type { ContainerState, Prisma } from '../generated/prisma/client.js';
import { isPlainObject } from './canonical.js';
import { refuseExplicitNull } from './explicit-null.js';

/** Fields of UpdateContainerInput (schema.graphql). */
export interface UpdateContainerInput {
  state?: ContainerState | null;
  /** Within a signed 64-bit integer (the API's BigInt scalar). */
  priority?: bigint | null;
  progress?: number | null;
  log?: string | null;
  output?: string | null;
  runtimeStatus?: unknown;
  exitCode?: number | null;
}

/** The columns a validated update writes. */
export type ContainerUpdate = Omit<Prisma.ContainerUpdateInput, 'state'> & { state?: ContainerState };

/**
 * Checks a container update's values and returns the columns to write; who may send which
 * field, and which state moves are allowed, is updateContainer's business (design.md §5).
 */
export function validateContainerUpdate(input: UpdateContainerInput): ContainerUpdate {
  refuseExplicitNull(input, ['state', 'priority']); // runtimeStatus: null is {}, as every JSON column
  const out: ContainerUpdate = {};
  if (input.state != null) out.state = input.state;
  if (input.priority != null) {
    if (input.priority < 0n) throw badInput('priority', 'priority must be from 0 to 2^63-1');
    out.priority = input.priority;
  }
  if (input.progress !== undefined) {
    if (input.progress !== null && !(input.progress >= 0 && input.progress <= 1))
      throw badInput('progress', 'progress must be from 0 to 1');
    out.progress = input.progress;
  }
  for (const f of ['log', 'output'] as const) {
    const v = input[f];
    if (v !== undefined) {
      if (v !== null && v.length > 64 * 1024) throw badInput(f, `${f} is too long`);
      out[f] = v;
    }
  }
  if (input.runtimeStatus !== undefined) {
    if (input.runtimeStatus !== null && !isPlainObject(input.runtimeStatus))
      throw badInput('runtimeStatus', 'runtimeStatus must be a JSON object');
    out.runtimeStatus = (input.runtimeStatus ?? {}) as Prisma.InputJsonObject;
  }
  if (input.exitCode !== undefined) out.exitCode = input.exitCode;
  return out;
}
