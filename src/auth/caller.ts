import type { User } from '../generated/prisma/client.js';
import type { TokenRecord } from './tokens.js';

/** Who is calling: a validated token, its user, and the container the token belongs to. */
export interface Caller {
  user: User;
  token: TokenRecord;
  /** The LOCKED or RUNNING container whose own token this is (SPEC 6), if any. */
  containerUuid: string | null;
}
