import { describeTarget } from '../db/adapter.js';
import { loadSecretBox } from '../domain/secrets-key.js';
import { checkScopes, issueToken } from '../domain/token-issuance.js';
import { ensureSystemUser } from '../domain/users.js';
import { errorCode } from '../errors.js';
import { isUuid } from '../format/uuid.js';
import { CliError, type Command, parseOptions, UsageError } from './command.js';

// Ten years: a token that must outlive this should have no expiry at all.
const MAX_EXPIRES_IN_SECONDS = 10 * 366 * 86_400;

export const createTokenCommand: Command = {
  name: 'create-token',
  summary: 'issue an API token; prints the v2 token string (shown only this once)',
  usage: '(--user UUID | --admin) [--scopes a,b] [--expires-in-seconds N]',
  details: [
    '  --user UUID               the user the token authenticates as',
    '  --admin                   the system user (<cluster>-tpzed-000000000000000), an admin',
    '  --scopes a,b              default all; each: all, query:<field>, mutation:<field>,',
    '                            subscription:<field>, or query:* / mutation:* / subscription:*',
    '  --expires-in-seconds N    default: never expires',
  ].join('\n'),
  async run(args, ctx) {
    const { values } = parseOptions(args, {
      user: { type: 'string' },
      admin: { type: 'boolean' },
      scopes: { type: 'string' },
      'expires-in-seconds': { type: 'string' },
    });
    if (values.user !== undefined && values.admin)
      throw new UsageError('give either --user or --admin, not both');
    if (values.user === undefined && !values.admin)
      throw new UsageError('say whose token it is: --user UUID or --admin');
    if (values.user !== undefined && !isUuid(values.user, 'user')) {
      throw new UsageError('--user must be a user uuid, like zzzzz-tpzed-0123456789abcde');
    }

    // Checked before anything is written (a bad list is bad usage), and again by issueToken.
    const scopes = checkScopes(
      values.scopes
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );

    let expiresAt: Date | null = null;
    const expiresIn = values['expires-in-seconds'];
    if (expiresIn !== undefined) {
      const n = /^\d{1,10}$/.test(expiresIn) ? Number(expiresIn) : NaN;
      if (!(n >= 1 && n <= MAX_EXPIRES_IN_SECONDS)) {
        throw new UsageError(
          `--expires-in-seconds must be a whole number from 1 to ${MAX_EXPIRES_IN_SECONDS}; leave it out for a token that never expires`,
        );
      }
      expiresAt = new Date(Date.now() + n * 1000);
    }

    const { clusterId, database } = ctx.config();
    const db = await ctx.database();
    // --admin: the same system user the server bootstraps at start-up; it may not exist yet if
    // the server has never run on this database.
    const userUuid = values.admin ? (await ensureSystemUser(db.prisma, clusterId)).uuid : values.user;
    try {
      const { apiToken, user } = await issueToken(
        db.prisma,
        loadSecretBox(ctx.config(), db.adapter.target).box,
        clusterId,
        { operator: true },
        { userUuid, scopes, expiresAt },
      );
      if (!user.isActive)
        ctx.io.err(
          `warning: user ${user.uuid} is inactive; this token can only call \`me\` until the user is activated`,
        );
      ctx.io.out(apiToken);
    } catch (err) {
      if (errorCode(err) !== 'NOT_FOUND') throw err;
      throw new CliError(
        `No user ${userUuid} in ${describeTarget(database)}. Create one first: npm run cli -- create-user --email <address>`,
      );
    }
  },
};
