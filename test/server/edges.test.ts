import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { SERVER_ENTRY } from '../../scripts/build.js';
import { BACKENDS, freshDatabase } from '../helpers/backends.js';
import { startTestGateway, TEST_SECRETS_KEY, type TestGateway } from '../helpers/gateway.js';

// The server's edges (issue 8, item 6): who may call it from a browser, where it listens, and
// what its start-up refuses. None of this depends on the database: PGlite only, except the
// start-up banner below.

const QUERY = JSON.stringify({ query: '{ me { uuid } }' });

async function post(gw: TestGateway, origin: string): Promise<Response> {
  return gw.gateway.yoga.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin, authorization: `Bearer ${gw.rootToken}` },
    body: QUERY,
  });
}

async function preflight(gw: TestGateway, origin: string): Promise<Response> {
  return gw.gateway.yoga.fetch('http://test/graphql', {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });
}

describe('CORS with no CORS_ORIGINS: same origin only', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway('pglite');
  });
  afterAll(async () => {
    await gw?.close();
  });

  test('another origin gets no CORS headers, and never credentials', async () => {
    const res = await post(gw, 'https://evil.example');
    expect(res.status).toBe(200); // answered (a non-browser client may call), but not readable by the page
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  test("another origin's preflight is not approved", async () => {
    const res = await preflight(gw, 'https://evil.example');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
  });
});

describe('CORS with CORS_ORIGINS listing origins', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway('pglite', {
      CORS_ORIGINS: 'https://app.example,http://localhost:3000',
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  test.each(['https://app.example', 'http://localhost:3000'])(
    '%s may read answers, without credentials',
    async (origin) => {
      const res = await post(gw, origin);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(res.headers.get('vary')).toMatch(/\bOrigin\b/);
      const pre = await preflight(gw, origin);
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
      expect(pre.headers.get('access-control-allow-headers')).toMatch(/\bauthorization\b/);
      expect(pre.headers.get('access-control-allow-methods')).toBe('GET, POST');
      expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
    },
  );

  test.each(['https://evil.example', 'https://app.example.evil.example', 'null'])(
    '%s gets no CORS headers',
    async (origin) => {
      const res = await post(gw, origin);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('vary')).toMatch(/\bOrigin\b/);
      expect((await preflight(gw, origin)).headers.get('access-control-allow-origin')).toBeNull();
    },
  );
});

describe('CORS_ORIGINS=*', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway('pglite', { CORS_ORIGINS: '*' });
  });
  afterAll(async () => {
    await gw?.close();
  });

  test('any origin may read answers, still without credentials', async () => {
    const res = await post(gw, 'https://anywhere.example');
    expect(res.headers.get('access-control-allow-origin')).toBe('https://anywhere.example');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('HOST', () => {
  test.each([
    ['127.0.0.1', 'http://127.0.0.1'],
    ['::1', 'http://[::1]'],
  ])('HOST=%s binds that address only, and the url says where', async (host, url) => {
    const gw = await startTestGateway('pglite', { HOST: host });
    try {
      const got = await gw.gateway.listen(0);
      expect(gw.gateway.address!.address).toBe(host);
      expect(got).toBe(`${url}:${gw.gateway.address!.port}`);
      expect((await fetch(`${got}/healthz`)).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  test('unset: every interface, reached at localhost', async () => {
    const gw = await startTestGateway('pglite');
    try {
      const got = await gw.gateway.listen(0);
      expect(['::', '0.0.0.0']).toContain(gw.gateway.address!.address);
      expect(got).toBe(`http://localhost:${gw.gateway.address!.port}`);
      expect((await fetch(`http://127.0.0.1:${gw.gateway.address!.port}/healthz`)).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});

// What `npm start` runs (dist/server/main.js), in one process so that a signal reaches the server.
const MAIN = [SERVER_ENTRY];

function startServer(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, MAIN, {
    env: { ...process.env, NODE_OPTIONS: '', TOKEN_SWEEP_SECONDS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('start-up', () => {
  // It used to start and log everything; test/config.test.ts checks every variable's refusals.
  test('LOG_LEVEL=verbose stops the server with one line naming it, exit code 2', () => {
    const r = spawnSync(process.execPath, MAIN, {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, NODE_OPTIONS: '', DATA_DIR: 'memory://', LOG_LEVEL: 'verbose' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('Invalid configuration: LOG_LEVEL must be one of debug, info, warn, error\n');
  });

  // On PostgreSQL only: the embedded database applies its migrations at start through the
  // WASM schema engine, 40 s on a loaded machine; the banner is the same on both.
  (BACKENDS.includes('postgres') ? test : test.skip)(
    'the banner shows the address the server is bound to, and it answers there',
    async () => {
      const db = await freshDatabase('postgres');
      const url = (db.adapter.target as { url: string }).url;
      const server = startServer({
        DATABASE_URL: url,
        SECRETS_KEY: TEST_SECRETS_KEY,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
      });
      try {
        const banner = await new Promise<string>((resolve, reject) => {
          let out = '';
          server.stdout!.on('data', (chunk) => {
            out += chunk;
            const line = out.split('\n').find((l) => l.includes('listening on'));
            if (line) resolve(line);
          });
          server.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
        });
        const m = /listening on 127\.0\.0\.1:(\d+): (http:\/\/127\.0\.0\.1:(\d+))\/graphql/.exec(banner);
        expect(m).not.toBeNull();
        expect(m![1]).toBe(m![3]);
        expect(Number(m![1])).toBeGreaterThan(0); // the real port, not the PORT=0 asked for
        expect((await fetch(`${m![2]}/healthz`)).status).toBe(200);
      } finally {
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await exited;
        await db.close();
      }
    },
    60_000,
  );
});
