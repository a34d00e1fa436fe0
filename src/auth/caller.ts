import type { User } from '../generated/prisma/client.js';
import type { TokenRecord } from './tokens.js';

/** Who is calling: a validated token, its user, and the container the token belongs to. */
export interface Caller {
  user: User;
  token: TokenRecord;
  /** The LOCKED or RUNNING container whose own token this is (SPEC 6), if any. */
  containerUuid: string | null;
  /**
   * Whether `v2` is the v2 string the caller presented (its first three parts). A comparison,
   * so the secret itself never sits in the context where a log line could pick it up.
   */
  presented(v2: string): boolean;
}
