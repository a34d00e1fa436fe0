import crypto from 'node:crypto';

/** HMAC-SHA1(key = secret, message = cluster id), hex: what a cluster hands to remote R (design.md §7). */
export function saltSecret(secret: string, remoteClusterId: string): string {
  return crypto.createHmac('sha1', secret).update(remoteClusterId).digest('hex');
}

/**
 * SHA-256 of a token secret, hex: what the token table holds to look a token up and compare it
 * by. Unsalted, so a v1 token is still found by one index lookup; token secrets are random
 * (50 base-36 characters, or a root secret that passed ROOT_SECRET_RULE), not guessable words.
 */
export function digestSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

/** Constant-time string equality, so a secret cannot be guessed byte by byte from timing. */
export function secretsEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && crypto.timingSafeEqual(ab, bb);
}
