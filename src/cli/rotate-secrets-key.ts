import { resealSecrets } from '../domain/reseal.js';
import { loadSecretBox, readKeyFile, writeKeyFile } from '../domain/secrets-key.js';
import { keyId, newSecretsKey, SecretBox } from '../format/secret-box.js';
import { type Command, parseOptions } from './command.js';

export const rotateSecretsKeyCommand: Command = {
  name: 'rotate-secrets-key',
  summary:
    'seal every live runtime token, secret mount and token secret with a new key (README "Secrets at rest"); prints how many rows',
  usage: '',
  details:
    'With the embedded database and its key file: makes a new key, seals everything with it, and leaves only it in the key file ' +
    '(stop the server first). With SECRETS_KEY=<new>,<old>: seals everything still sealed with <old> (or in the clear) with <new>; ' +
    'then SECRETS_KEY may be set to <new> alone.',
  async run(args, ctx) {
    parseOptions(args, {});
    const db = await ctx.database();
    const { box, keyFile } = loadSecretBox(ctx.config(), db.adapter.target);
    if (!keyFile) {
      const n = await resealSecrets(db.prisma, box);
      ctx.io.out(String(n));
      ctx.io.err(
        `Every live secret is sealed with key ${box.currentKeyId}: SECRETS_KEY may now hold that key alone.`,
      );
      return;
    }
    // The new key goes first into the file while the old ones stay, so that whenever this
    // stops, the file opens everything in the database; the old keys leave once nothing needs them.
    const old = readKeyFile(keyFile);
    const fresh = newSecretsKey();
    writeKeyFile(keyFile, [fresh, ...old]);
    const n = await resealSecrets(db.prisma, new SecretBox([fresh, ...old]));
    writeKeyFile(keyFile, [fresh]);
    ctx.io.out(String(n));
    ctx.io.err(`Every live secret is sealed with the new key ${keyId(fresh)}; ${keyFile} holds it alone.`);
  },
};
