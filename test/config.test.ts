import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  test('defaults (README, Configuration)', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: undefined,
      corsOrigins: [],
      logLevel: 'info',
      database: { kind: 'pglite', dataDir: './data' },
      clusterId: 'zzzzz',
      systemRootToken: undefined,
      remoteClusters: {},
      remoteTokenTtlSeconds: 300,
      remoteTimeoutMs: 5000,
      remoteConcurrency: 8,
      tokenSweepSeconds: 60,
      tokenCacheSeconds: 1,
      containerCountMax: 3,
      operationTimeoutMs: 30_000,
      healthTimeoutMs: 2_000,
      rateLimit: { operations: 1_000, windowSeconds: 10 },
      maxSubscriptionsPerToken: 200,
      maxSubscriptions: 5_000,
      shutdownGraceSeconds: 25,
      maxQueryCost: 5000,
      documentLimits: { maxTokens: 5000, maxAliases: 30, maxDepth: 15, maxDirectives: 50 },
      remoteNegativeTtlSeconds: 30,
    });
  });

  test('every variable is read', () => {
    const c = loadConfig({
      PORT: '9090',
      HOST: '127.0.0.1',
      CORS_ORIGINS: 'https://app.example, http://localhost:3000',
      LOG_LEVEL: 'warn',
      DATABASE_URL: 'postgresql://u:p@db.example:5433/gw',
      CLUSTER_ID: 'x1234',
      SYSTEM_ROOT_TOKEN: 'v2/x1234-gj3su-0123456789abcde/4f1c9e27b8d05a63e1f9c2d7a8b4e06f',
      REMOTE_CLUSTERS: 'aaaaa=https://a.example/graphql, bbbbb=http://b.example:8080/graphql',
      REMOTE_TOKEN_TTL_SECONDS: '60',
      REMOTE_TIMEOUT_MS: '2000',
      REMOTE_CONCURRENCY: '4',
      TOKEN_SWEEP_SECONDS: '0',
      TOKEN_CACHE_SECONDS: '0',
      CONTAINER_COUNT_MAX: '5',
      OPERATION_TIMEOUT_MS: '5000',
      DB_STATEMENT_TIMEOUT_MS: '4000',
      DB_CONNECT_TIMEOUT_MS: '1500',
      HEALTH_TIMEOUT_MS: '800',
      RATE_LIMIT_OPERATIONS: '0',
      RATE_LIMIT_WINDOW_SECONDS: '60',
      MAX_SUBSCRIPTIONS_PER_TOKEN: '20',
      MAX_SUBSCRIPTIONS: '300',
      SHUTDOWN_GRACE_SECONDS: '7',
      MAX_QUERY_COST: '800',
      MAX_TOKENS: '2000',
      MAX_ALIASES: '0',
      MAX_DEPTH: '8',
      MAX_DIRECTIVES: '5',
      REMOTE_NEGATIVE_TTL_SECONDS: '0',
    });
    expect(c).toMatchObject({
      port: 9090,
      host: '127.0.0.1',
      corsOrigins: ['https://app.example', 'http://localhost:3000'],
      logLevel: 'warn',
      database: {
        kind: 'postgres',
        url: 'postgresql://u:p@db.example:5433/gw',
        timeouts: { statementMs: 4000, connectMs: 1500 },
      },
      clusterId: 'x1234',
      remoteClusters: { aaaaa: 'https://a.example/graphql', bbbbb: 'http://b.example:8080/graphql' },
      remoteTokenTtlSeconds: 60,
      remoteTimeoutMs: 2000,
      remoteConcurrency: 4,
      tokenSweepSeconds: 0,
      tokenCacheSeconds: 0,
      containerCountMax: 5,
      operationTimeoutMs: 5000,
      healthTimeoutMs: 800,
      rateLimit: { operations: 0, windowSeconds: 60 },
      maxSubscriptionsPerToken: 20,
      maxSubscriptions: 300,
      shutdownGraceSeconds: 7,
      maxQueryCost: 800,
      documentLimits: { maxTokens: 2000, maxAliases: 0, maxDepth: 8, maxDirectives: 5 },
      remoteNegativeTtlSeconds: 0,
    });
  });

  test('SECRETS_KEY: 32 bytes as hex or base64, several comma-separated (the first seals); a bad one is named by position, never echoed', () => {
    const hex = 'ab'.repeat(32);
    const b64 = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ SECRETS_KEY: hex }).secretsKeys).toEqual([Buffer.from(hex, 'hex')]);
    expect(loadConfig({ SECRETS_KEY: `${b64}, ${hex}` }).secretsKeys).toEqual([
      Buffer.alloc(32, 7),
      Buffer.from(hex, 'hex'),
    ]);
    for (const bad of [
      'ab'.repeat(31),
      `${hex},nothexnorbase64secretvalue`,
      Buffer.alloc(16).toString('base64'),
    ]) {
      let err: unknown;
      try {
        loadConfig({ SECRETS_KEY: bad });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/^Invalid configuration: SECRETS_KEY entry \d is not 32 bytes/);
      expect((err as Error).message).not.toContain(bad.split(',').at(-1));
    }
  });

  test('DATA_DIR is used when DATABASE_URL is unset; empty variables count as unset', () => {
    expect(loadConfig({ DATA_DIR: '/var/lib/gw', DATABASE_URL: '', PORT: '' }).database).toEqual({
      kind: 'pglite',
      dataDir: '/var/lib/gw',
    });
    expect(loadConfig({ PORT: '' }).port).toBe(8080);
  });

  test('a bare secret is a valid SYSTEM_ROOT_TOKEN', () => {
    expect(loadConfig({ SYSTEM_ROOT_TOKEN: 'k3v9x0q2m7w4z8t1r5y6u0p3s9d2f7g4' }).systemRootToken).toBe(
      'k3v9x0q2m7w4z8t1r5y6u0p3s9d2f7g4',
    );
  });

  test('a weak SYSTEM_ROOT_TOKEN is refused as too weak, with the rule (SYSTEM_ROOT_TOKEN=a made `Bearer a` an admin)', () => {
    expect(() => loadConfig({ SYSTEM_ROOT_TOKEN: 'a' })).toThrow(
      /^Invalid configuration: SYSTEM_ROOT_TOKEN is too weak: its secret needs at least 32 characters/,
    );
  });

  test('HOST takes IPv4, IPv6 and host names; CORS_ORIGINS takes * alone', () => {
    for (const host of ['0.0.0.0', '::', '::1', '10.1.2.3', 'localhost', 'gw.internal.example'])
      expect(loadConfig({ HOST: host }).host).toBe(host);
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
    expect(loadConfig({ CORS_ORIGINS: 'https://[::1]:8443' }).corsOrigins).toEqual(['https://[::1]:8443']);
  });

  // Each bad value must give one line that names the variable and does not contain the value
  // (DATABASE_URL, SYSTEM_ROOT_TOKEN and REMOTE_CLUSTERS URLs may carry credentials).
  test.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['PORT', '1e3'],
    ['PORT', '0x50'],
    ['CLUSTER_ID', 'ABCDE'],
    ['CLUSTER_ID', 'zzzz'],
    ['CLUSTER_ID', 'zzzzzz'],
    ['CLUSTER_ID', 'zz-zz'],
    ['REMOTE_CLUSTERS', 'nonsense'],
    ['REMOTE_CLUSTERS', 'aaaaa'],
    ['REMOTE_CLUSTERS', 'aaaaa='],
    ['REMOTE_CLUSTERS', 'AAAAA=https://a.example'],
    ['REMOTE_CLUSTERS', 'aaaaa=ftp://user:hunter2@a.example'],
    ['REMOTE_CLUSTERS', 'aaaaa=https://user:hunter2@a.example,bbbbb=not a url'],
    ['REMOTE_CLUSTERS', 'aaaaa=https://a.example,aaaaa=https://hunter2.example'],
    ['REMOTE_CLUSTERS', 'zzzzz=https://hunter2.example'],
    ['DATABASE_URL', 'mysql://root:hunter2@db/gw'],
    ['DATABASE_URL', 'hunter2'],
    ['DATABASE_URL', 'postgresql://root:hunter2@db:99999/gw'],
    ['SYSTEM_ROOT_TOKEN', 'v2/aaaaa-gj3su-0123456789abcde/hunter2hunter2'],
    ['SYSTEM_ROOT_TOKEN', 'v2/zzzzz-gj3su-0123456789abcde/hunter2/zzzzz-dz642-0123456789abcde'],
    ['SYSTEM_ROOT_TOKEN', 'hunter2 with spaces'],
    // Too weak for an admin's secret: short, few different characters, or a run repeated.
    ['SYSTEM_ROOT_TOKEN', 'a'],
    ['SYSTEM_ROOT_TOKEN', 'hunter2hunter2'],
    ['SYSTEM_ROOT_TOKEN', 'a'.repeat(64)],
    ['SYSTEM_ROOT_TOKEN', 'secretsecretsecretsecretsecret12'],
    ['SYSTEM_ROOT_TOKEN', 'password1234hunter2password1234hunter2'],
    ['SYSTEM_ROOT_TOKEN', 'v2/zzzzz-gj3su-0123456789abcde/hunter2hunter2hunter2hunter2hunter2'],
    ['MAX_QUERY_COST', '0'],
    ['MAX_QUERY_COST', 'lots'],
    ['MAX_TOKENS', '0'],
    ['MAX_DEPTH', '0'],
    ['MAX_ALIASES', '-1'],
    ['MAX_DIRECTIVES', '1e3'],
    ['HOST', 'http://0.0.0.0'],
    ['HOST', '0.0.0.0:8080'],
    ['HOST', 'my host'],
    ['CORS_ORIGINS', 'https://app.example/'],
    ['CORS_ORIGINS', 'app.example'],
    ['CORS_ORIGINS', 'https://app.example/path'],
    ['CORS_ORIGINS', 'ftp://app.example'],
    ['CORS_ORIGINS', '*,https://app.example'],
    ['LOG_LEVEL', 'verbose'],
    ['LOG_LEVEL', 'INFO'],
    ['REMOTE_TOKEN_TTL_SECONDS', '0'],
    ['REMOTE_TOKEN_TTL_SECONDS', 'five'],
    ['REMOTE_TIMEOUT_MS', '1'],
    ['REMOTE_CONCURRENCY', '0'],
    ['TOKEN_SWEEP_SECONDS', '99999999'],
    ['TOKEN_SWEEP_SECONDS', '1.5'],
    ['CONTAINER_COUNT_MAX', '0'],
    ['CONTAINER_COUNT_MAX', '1000'],
    ['OPERATION_TIMEOUT_MS', '0'],
    ['OPERATION_TIMEOUT_MS', '30s'],
    ['DB_STATEMENT_TIMEOUT_MS', '99'],
    ['DB_CONNECT_TIMEOUT_MS', '-1'],
    ['HEALTH_TIMEOUT_MS', '600000'],
    ['RATE_LIMIT_OPERATIONS', '-5'],
    ['RATE_LIMIT_WINDOW_SECONDS', '0'],
    ['MAX_SUBSCRIPTIONS_PER_TOKEN', '0'],
    ['MAX_SUBSCRIPTIONS', 'many'],
    ['REMOTE_NEGATIVE_TTL_SECONDS', '3601'],
  ])('%s=%j is refused with one line naming it', (name, value) => {
    let err: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toMatch(new RegExp(`^Invalid configuration: ${name} `));
    expect(message).not.toContain('\n');
    if (value.length >= 4) expect(message).not.toContain(value); // shorter ones may occur in "from 1 to 100"
    expect(message).not.toContain('hunter2');
  });

  test('the first bad variable is reported', () => {
    expect(() => loadConfig({ PORT: 'x', CLUSTER_ID: 'y' })).toThrow(
      /^Invalid configuration: (PORT|CLUSTER_ID) /,
    );
  });
});
