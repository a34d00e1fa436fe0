import crypto from 'node:crypto';

// Secrets at rest (README "Secrets at rest"): AES-256-GCM, a fresh 96-bit IV per value, the
// key named by an id in every ciphertext so that a keyring of several keys (the first seals,
// every one opens) lets a key be rotated while values sealed with the old one are still live.
//
//   sb1.<key id>.<iv>.<ciphertext>.<tag>      (base64url parts; key id = 8 hex of SHA-256(key))
const VERSION = 'sb1';
const KEY_BYTES = 32;

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/** A 32-byte key from 64 hex digits or base64 (44 characters); null if it is neither. */
export function parseSecretsKey(text: string): Buffer | null {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t)
    ? Buffer.from(t, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(t)
      ? Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
      : null;
  return key && key.length === KEY_BYTES ? key : null;
}

export function newSecretsKey(): Buffer {
  return crypto.randomBytes(KEY_BYTES);
}

export function keyId(key: Buffer): string {
  return crypto.createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(`${VERSION}.`);
}

export class SecretBox {
  // KeyObjects, made once: a raw key Buffer is imported anew by every cipher made with it.
  private readonly keys: Map<string, crypto.KeyObject>;
  /** The id of the key that seals. */
  readonly currentKeyId: string;

  /** `keys[0]` seals; every key opens. */
  constructor(keys: Buffer[]) {
    if (keys.length === 0 || keys.some((k) => k.length !== KEY_BYTES))
      throw new SecretBoxError(`a secret box needs ${KEY_BYTES}-byte keys`);
    this.keys = new Map(keys.map((k) => [keyId(k), crypto.createSecretKey(k)]));
    this.currentKeyId = keyId(keys[0]!);
  }

  seal(plaintext: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, ct, cipher.getAuthTag()].map((b) => b.toString('base64url'));
    return [VERSION, this.currentKeyId, ...parts].join('.');
  }

  /** The plaintext of a sealed value; throws SecretBoxError (never echoing it) otherwise. */
  open(sealed: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretBoxError('not a sealed value');
    const key = this.keys.get(parts[1]!);
    if (!key)
      throw new SecretBoxError(
        `sealed with key ${parts[1]}, which is not configured (SECRETS_KEY or the key file)`,
      );
    const [iv, ct, tag] = parts.slice(2).map((p) => Buffer.from(p, 'base64url'));
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv!);
      decipher.setAuthTag(tag!);
      return Buffer.concat([decipher.update(ct!), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError(`a value sealed with key ${parts[1]} does not open: altered or truncated`);
    }
  }

  /** Whether a sealed value is sealed with the current key (rotation skips those). */
  isCurrent(sealed: string): boolean {
    return sealed.split('.')[1] === this.currentKeyId;
  }

  // The two secret columns. A runtime token is a sealed string. Secret mounts are stored in
  // their JSON column as a sealed string, or as {} when there are none (nothing to hide, and the
  // scrubbed value). Values written before encryption (plain) are read as they are.

  sealToken(token: string | null): string | null {
    return token === null ? null : this.seal(token);
  }

  openToken(stored: string | null): string | null {
    return stored === null ? null : isSealed(stored) ? this.open(stored) : stored;
  }

  sealMounts(mounts: Record<string, unknown>): string | Record<string, never> {
    return Object.keys(mounts).length === 0 ? {} : this.seal(JSON.stringify(mounts));
  }

  openMounts(stored: unknown): Record<string, unknown> {
    if (isSealed(stored)) return JSON.parse(this.open(stored)) as Record<string, unknown>;
    return stored && typeof stored === 'object' && !Array.isArray(stored)
      ? (stored as Record<string, unknown>)
      : {};
  }
}
