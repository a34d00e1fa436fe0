import type { Db } from '../db/client.js';
import { newUuid } from '../format/uuid.js';
import type { Prisma } from '../generated/prisma/client.js';
import { objectOrEmpty } from './canonical.js';

/** The request fields a container copies at commit (design.md §3 step 2); they never change on it. */
export const COPIED_FIELDS = {
  command: true,
  containerImage: true,
  cwd: true,
  environment: true,
  mounts: true,
  outputPath: true,
  runtimeConstraints: true,
  schedulingParameters: true,
} as const;
/** The copied fields that are JSON columns (written with src/db/json-column.ts's withJsonColumns). */
export const COPIED_JSON_FIELDS = [
  'environment',
  'mounts',
  'runtimeConstraints',
  'schedulingParameters',
] as const;

/** The copied fields as read (JSON columns as stored) or as about to be written. */
export type CopiedRow = {
  [K in keyof Prisma.ContainerRequestGetPayload<{ select: typeof COPIED_FIELDS }>]: K extends
    | 'command'
    | 'containerImage'
    | 'cwd'
    | 'outputPath'
    ? Prisma.ContainerRequestGetPayload<{ select: typeof COPIED_FIELDS }>[K]
    : unknown;
};

/** The copied fields as a new container is written (null JSON as {}). */
export function copiedFields(row: CopiedRow) {
  return {
    command: row.command,
    containerImage: row.containerImage,
    cwd: row.cwd,
    environment: objectOrEmpty(row.environment),
    mounts: objectOrEmpty(row.mounts),
    outputPath: row.outputPath,
    runtimeConstraints: objectOrEmpty(row.runtimeConstraints),
    schedulingParameters: objectOrEmpty(row.schedulingParameters),
  };
}

/** A new QUEUED container with these (already normalised) fields. */
export async function createContainer(
  tx: Db,
  clusterId: string,
  data: Omit<Prisma.ContainerUncheckedCreateInput, 'uuid' | 'state' | 'priority'>,
): Promise<string> {
  const uuid = newUuid(clusterId, 'container');
  await tx.container.create({
    data: { ...data, uuid, state: 'QUEUED', priority: 0 },
    select: { uuid: true },
  });
  return uuid;
}
