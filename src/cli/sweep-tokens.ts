import { sweepExpiredTokens } from '../domain/tokens.js';
import { type Command, parseOptions } from './command.js';

export const sweepTokensCommand: Command = {
  name: 'sweep-tokens',
  summary: 'delete expired tokens now (the server also does this every TOKEN_SWEEP_SECONDS); prints how many',
  usage: '',
  async run(args, ctx) {
    parseOptions(args, {});
    const db = await ctx.database();
    ctx.io.out(String(await sweepExpiredTokens(db.prisma)));
  },
};
