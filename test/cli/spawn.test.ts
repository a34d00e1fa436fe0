import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';

// One real process, as an operator runs it (`npm run cli` is `tsx src/cli/main.ts`).
function cli(args: string[]) {
  return spawnSync('npx', ['tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
}

test('salt-token prints the salted token and exits 0', () => {
  const secret = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const r = cli(['salt-token', `v2/zzzzz-gj3su-0123456789abcde/${secret}`, 'aaaaa']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const hmac = crypto.createHmac('sha1', secret).update('aaaaa').digest('hex');
  expect(r.stdout).toBe(`v2/zzzzz-gj3su-0123456789abcde/${hmac}\n`);
});

test('bad usage exits 2 with the usage on stderr', () => {
  const r = cli(['salt-token', 'v2/zzzzz-gj3su-0123456789abcde/abc']);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain('usage: npm run cli -- salt-token <v2 token> <cluster id>');
});
