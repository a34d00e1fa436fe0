// Crash recovery and shutdown: a dispatcher killed with SIGKILL and restarted stops the process it
// left behind, removes its secret mounts, cancels the RUNNING container (the gateway retries it)
// and unlocks the LOCKED one; SIGTERM stops taking work and finishes every container before exit.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequest, lock, updateRequest } from '../helpers/api.js';
import { ok } from '../helpers/assert.js';
import {
  alive,
  containerReaches,
  DispatcherProcess,
  nodeCommand,
  requestFinal,
  WAIT_FOR_GO,
  waitFor,
} from '../helpers/dispatcher.js';
import { describeBackends } from '../helpers/gateway.js';
import { tag } from '../helpers/lifecycle.js';
import { mountSecret, secretMounts } from '../helpers/secrets.js';
import { sql } from '../helpers/sql.js';

describeBackends('dispatcher crash recovery and shutdown', (gw) => {
  // Nested: its afterAll (stopping the dispatcher) runs before the gateway closes.
  describe('with dispatchers started and stopped by the tests', () => {
    let url: string;
    let user: { uuid: string; token: string };
    let scratch: string;
    const started: DispatcherProcess[] = [];
    beforeAll(async () => {
      url = await gw().gateway.listen(0, '127.0.0.1');
      user = await gw().newUser();
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatch-scratch-'));
    });
    afterAll(async () => {
      for (const d of started) await d.stop('SIGKILL');
      for (const d of started) fs.rmSync(d.dir, { recursive: true, force: true });
      fs.rmSync(scratch, { recursive: true, force: true });
    });
    const start = async (opts: Parameters<typeof DispatcherProcess.start>[1], via = url) => {
      const d = DispatcherProcess.start(via, opts);
      started.push(d);
      return d.ready();
    };

    test('killed with SIGKILL and restarted: nothing is left running, locked or stuck', async () => {
      const token = (await gw().newUser({ isAdmin: true })).token;
      const go = path.join(scratch, `go-${tag()}`);
      const secret = mountSecret('crash-');
      const first = await start({ token, vcpus: 1 });
      const running = await createRequest(gw(), user.token, {
        command: nodeCommand(WAIT_FOR_GO, tag()),
        environment: { GO: go },
        secretMounts: secretMounts(secret, '/secret/creds'),
        priority: 5,
      });
      const c1 = await waitFor('the command to run', async () => {
        const c = await containerReaches(gw(), running.containerUuid, ['RUNNING']);
        return c.log?.includes('started') && c.runtimeStatus.pid ? c : null;
      });
      const pid = c1.runtimeStatus.pid as number;
      const secretFile = path.join(first.dir, running.containerUuid, 'root/secret/creds');

      expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
      // What a crash leaves: the command still runs (its own process group), its secret on disk,
      // the container RUNNING; and a container this token locked without starting it.
      expect(alive(pid)).toBe(true);
      expect(fs.existsSync(secretFile)).toBe(true);
      const locked = await createRequest(gw(), user.token, { command: ['true', tag()], priority: 1 });
      ok(await lock(gw(), token, locked.containerUuid));

      const second = await start({ token, vcpus: 1, dir: first.dir });
      await waitFor('the orphaned command to be stopped', () => !alive(pid));
      expect(fs.existsSync(secretFile)).toBe(false);
      const cancelled = await containerReaches(gw(), running.containerUuid, ['CANCELLED']);
      expect(cancelled.log).toContain('started\n');
      expect(cancelled.log).toMatch(/dispatcher: the dispatcher restarted and its process was lost\n$/);
      expect(cancelled.runtimeStatus).toMatchObject({ error: 'Process lost' });

      // The retry of the first, and the unlocked second, both run to the end.
      fs.writeFileSync(go, '');
      const retried = await requestFinal(gw(), user.token, running.uuid);
      expect(retried.containerUuid).not.toBe(running.containerUuid);
      expect((await containerReaches(gw(), retried.containerUuid, ['COMPLETE'])).log).toContain('went');
      const unlocked = await requestFinal(gw(), user.token, locked.uuid);
      expect(unlocked.containerUuid).toBe(locked.containerUuid);
      expect((await containerReaches(gw(), locked.containerUuid, ['COMPLETE'])).exitCode).toBe(0);
      expect(await sql(gw(), `SELECT uuid FROM containers WHERE state IN ('LOCKED', 'RUNNING')`)).toEqual([]);
      expect(await second.stop()).toEqual({ code: 0, signal: null });
    });

    test('SIGTERM: no more work is taken, the running command is stopped, its container CANCELLED, exit 0', async () => {
      const token = (await gw().newUser({ isAdmin: true })).token;
      const d = await start({ token, vcpus: 1 });
      const go = path.join(scratch, `go-${tag()}`);
      const cr = await createRequest(gw(), user.token, {
        command: nodeCommand(WAIT_FOR_GO, tag()),
        environment: { GO: go },
        priority: 5,
      });
      const c = await waitFor('the command to run', async () => {
        const x = await containerReaches(gw(), cr.containerUuid, ['RUNNING']);
        return x.log?.includes('started') && x.runtimeStatus.pid ? x : null;
      });

      expect(await d.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      expect(alive(c.runtimeStatus.pid)).toBe(false);
      const cancelled = await containerReaches(gw(), cr.containerUuid, ['CANCELLED'], 1000);
      expect(cancelled.log).toMatch(
        /dispatcher: stopped \(signal SIGTERM\): the dispatcher is shutting down\n$/,
      );
      // The gateway queued a retry; the stopped dispatcher did not take it.
      const [row] = await sql<{ container_uuid: string }>(
        gw(),
        'SELECT container_uuid FROM container_requests WHERE uuid = $1',
        cr.uuid,
      );
      expect(row!.container_uuid).not.toBe(cr.containerUuid);
      expect((await containerReaches(gw(), row!.container_uuid, ['QUEUED'], 1000)).lockedByUuid).toBeNull();
      ok(await updateRequest(gw(), user.token, cr.uuid, { priority: 0 }));
    });

    test('the event stream drops: the dispatcher reconnects, reads the queue again, and runs what came meanwhile', async () => {
      // A TCP relay between dispatcher and gateway, whose connections the test can cut.
      const sockets = new Set<net.Socket>();
      let blocked = false;
      const gatewayPort = Number(new URL(url).port);
      const relay = net.createServer((client) => {
        if (blocked) {
          client.destroy();
          return;
        }
        const upstream = net.connect(gatewayPort, '127.0.0.1');
        for (const [a, b] of [
          [client, upstream],
          [upstream, client],
        ] as const) {
          sockets.add(a);
          a.pipe(b);
          a.on('error', () => b.destroy());
          a.on('close', () => {
            sockets.delete(a);
            b.destroy();
          });
        }
      });
      await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
      try {
        const token = (await gw().newUser({ isAdmin: true })).token;
        const port = (relay.address() as net.AddressInfo).port;
        const d = await start({ token, pollSeconds: 3600 }, `http://127.0.0.1:${port}`);
        const before = d.logs().filter((l) => l.msg === 'listening for queue events').length;
        blocked = true;
        for (const s of sockets) s.destroy();
        // Queued while the dispatcher cannot reach the gateway: no event can tell it.
        const cr = await createRequest(gw(), user.token, { command: ['true', tag()] });
        blocked = false;
        await waitFor(
          'the stream to be back',
          () => d.logs().filter((l) => l.msg === 'listening for queue events').length > before,
        );
        const final = await requestFinal(gw(), user.token, cr.uuid);
        expect((await containerReaches(gw(), final.containerUuid, ['COMPLETE'])).exitCode).toBe(0);
        expect(await d.stop()).toEqual({ code: 0, signal: null });
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise((r) => relay.close(r));
      }
    });
  });
});
