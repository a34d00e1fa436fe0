import { createUser } from '../domain/users.js';
import { type Command, parseOptions, UsageError } from './command.js';

export const createUserCommand: Command = {
  name: 'create-user',
  summary: 'create a user; prints its uuid',
  usage: '--email E [--full-name N] [--admin] [--inactive]',
  details: [
    "  --email E        the user's email address (required)",
    '  --full-name N    display name',
    '  --admin          make the user an admin',
    '  --inactive       create the user inactive (it may only call `me`)',
  ].join('\n'),
  async run(args, ctx) {
    const { values } = parseOptions(args, {
      email: { type: 'string' },
      'full-name': { type: 'string' },
      admin: { type: 'boolean' },
      inactive: { type: 'boolean' },
    });
    if (!values.email) throw new UsageError('--email is required');
    const db = await ctx.database();
    const user = await createUser(db.prisma, ctx.config().clusterId, {
      email: values.email,
      fullName: values['full-name'] ?? null,
      isAdmin: values.admin ?? false,
      isActive: !values.inactive,
    });
    ctx.io.out(user.uuid);
  },
};
