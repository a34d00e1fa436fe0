import type { User } from '../generated/prisma/client.js';
import type { TokenRecord } from './tokens.js';

/** Who is calling: a validated token, its user, and the container the token belongs to. */
export interface Caller {
  user: User;
  token: TokenRecord;
  /**
   * The LOCKED or RUNNING container this token is bound to (SPEC 6): the one its container-bound
   * 4th part names, else the one it is the generated token of; null for none. Looked up on
   * first use — call it before opening a transaction (PGlite has a single connection).
   */
  containerUuid(): Promise<string | null>;
}
