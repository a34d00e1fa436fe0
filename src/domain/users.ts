import type { Db } from '../db/client.js';
import { badInput } from '../errors.js';
import { newUuid, systemUserUuid } from '../format/uuid.js';

export interface CreateUserInput {
  email: string;
  fullName?: string | null;
  isAdmin?: boolean | null;
  isActive?: boolean | null;
}

const EMAIL_RE = /^[^\s@]{1,128}@[^\s@]{1,255}$/;

export async function createUser(db: Db, clusterId: string, input: CreateUserInput) {
  if (!EMAIL_RE.test(input.email)) throw badInput('email', 'email must look like name@domain');
  if (input.fullName != null && input.fullName.length > 1000)
    throw badInput('fullName', 'fullName is too long');
  return db.user.create({
    data: {
      uuid: newUuid(clusterId, 'user'),
      email: input.email,
      fullName: input.fullName ?? null,
      isAdmin: input.isAdmin ?? false,
      isActive: input.isActive ?? true,
    },
  });
}

/** The system user (design.md §2): an admin that always exists. */
export async function ensureSystemUser(db: Db, clusterId: string) {
  const uuid = systemUserUuid(clusterId);
  return db.user.upsert({
    where: { uuid },
    create: { uuid, fullName: 'System user', isAdmin: true, isActive: true },
    update: { isAdmin: true, isActive: true },
  });
}
