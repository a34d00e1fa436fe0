import crypto from 'node:crypto';

/** HMAC-SHA1(key = secret, message = cluster id), hex: what a cluster hands to remote R (design.md §7). */
export function saltSecret(secret: string, remoteClusterId: string): string {
  return crypto.createHmac('sha1', secret).update(remoteClusterId).digest('hex');
}

/** Constant-time string equality, so a secret cannot be guessed byte by byte from timing. */
export function secretsEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && crypto.timingSafeEqual(ab, bb);
}
