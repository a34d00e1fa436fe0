import { saltSecret } from '../format/salt.js';
import { formatV2, parseToken } from '../format/token-string.js';
import { type Command, parseOptions, UsageError } from './command.js';

const CLUSTER_ID_RE = /^[0-9a-z]{5}$/;

/** The salted form of a v2 token for cluster R (design.md §7): R can use it but never learns the secret. */
export function saltToken(token: string, clusterId: string): string {
  const parsed = parseToken(token);
  if (parsed?.version !== 2 || parsed.containerUuid !== undefined) {
    throw new UsageError('the token must be a v2 token: v2/<token uuid>/<secret>');
  }
  if (!CLUSTER_ID_RE.test(clusterId)) throw new UsageError('the cluster id must be 5 characters [0-9a-z]');
  return formatV2(parsed.uuid, saltSecret(parsed.secret, clusterId));
}

export const saltTokenCommand: Command = {
  name: 'salt-token',
  summary:
    'print the form of a v2 token to hand to another cluster (HMAC-SHA1 of its id, keyed by the secret)',
  usage: '<v2 token> <cluster id>',
  details:
    '  Needs no database. The remote cluster can use the salted token with our cluster, but not learn the secret.',
  async run(args, ctx) {
    const { positionals } = parseOptions(args, {}, true);
    if (positionals.length !== 2)
      throw new UsageError('expected exactly two arguments: the v2 token and the remote cluster id');
    ctx.io.out(saltToken(positionals[0]!, positionals[1]!));
  },
};
