import type { ApiClientAuthorization, User } from '../generated/prisma/client.js';

/** A token row without its secret (digest or sealed): what may travel through the server. */
export type TokenRecord = Omit<ApiClientAuthorization, 'secretDigest' | 'sealedSecret'>;

/** A token that validated, with its user. */
export interface ValidToken {
  token: TokenRecord;
  user: User;
  /**
   * Set when the token was matched at home in its salted form for this remote cluster
   * (X-Arvados-Remote-Cluster): it may then only answer currentApiClientAuthorization.
   */
  saltedFor?: string;
}

/** Who is calling: a validated token, its user, and the container the token belongs to. */
export interface Caller {
  user: User;
  token: TokenRecord;
  /** The remote cluster the token was presented salted for (see ValidToken.saltedFor). */
  saltedFor?: string;
  /**
   * The LOCKED or RUNNING container this token is bound to (design.md §6): the one its container-bound
   * 4th part names, else the one it is the generated token of; null for none. Looked up on
   * first use — call it before opening a transaction (PGlite has a single connection).
   */
  containerUuid(): Promise<string | null>;
  /**
   * That container when it is known without a query (bound by the 4th part, or looked up
   * already); undefined when finding it would take one (a write then folds the lookup into a
   * statement of its own: generatedTokenContainerSql).
   */
  knownContainerUuid(): string | null | undefined;
}
