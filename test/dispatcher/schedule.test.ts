// Scheduling and cancellation: highest priority first within the vcpu budget, and a container
// whose priority falls to 0 stopped (SIGTERM, then SIGKILL after the grace period) and CANCELLED.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequest, updateContainer, updateRequest } from '../helpers/api.js';
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
import { type Data, describeBackends } from '../helpers/gateway.js';
import { tag } from '../helpers/lifecycle.js';

const GRACE_SECONDS = 2;

describeBackends('the dispatcher schedules within its budget and stops cancelled work', (gw) => {
  // Nested: its afterAll (stopping the dispatcher) runs before the gateway closes.
  describe('with a 2-vcpu dispatcher', () => {
    let url: string;
    let user: { uuid: string; token: string };
    let dispatcher: DispatcherProcess | undefined;
    let scratch: string;
    beforeAll(async () => {
      url = await gw().gateway.listen(0, '127.0.0.1');
      user = await gw().newUser();
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatch-scratch-'));
    });
    afterAll(async () => {
      if (dispatcher) expect(await dispatcher.stop()).toEqual({ code: 0, signal: null });
      fs.rmSync(scratch, { recursive: true, force: true });
      if (dispatcher) fs.rmSync(dispatcher.dir, { recursive: true, force: true });
    });

    test('six requests of mixed priority on a 2-vcpu budget: all complete, taken highest first, never more than 2 vcpus at once', async () => {
      const specs = [
        { priority: 3, vcpus: 1 },
        { priority: 9, vcpus: 1 },
        { priority: 1, vcpus: 1 },
        { priority: 7, vcpus: 2 },
        { priority: 5, vcpus: 1 },
        { priority: 8, vcpus: 1 },
      ];
      // Queued before the dispatcher starts: it sees them all at once. Each waits for GO, so
      // that the test sees the first two run side by side before letting them finish.
      const go = path.join(scratch, `go-${tag()}`);
      const made = [];
      for (const s of specs) {
        const cr = await createRequest(gw(), user.token, {
          command: nodeCommand(WAIT_FOR_GO),
          environment: { GO: go },
          useExisting: false,
          priority: s.priority,
          runtimeConstraints: { vcpus: s.vcpus, ram: 1_000_000 },
        });
        made.push({ ...s, cr });
      }
      dispatcher = await DispatcherProcess.start(url, {
        token: gw().rootToken,
        vcpus: 2,
        killGraceSeconds: GRACE_SECONDS,
      }).ready();
      const mine = made.map((m) => m.cr.containerUuid);
      const running = await waitFor('two containers running side by side', async () => {
        const r = ok(await gw().gql(`{ containers(filter: {state: RUNNING}) { nodes { uuid log } } }`))
          .containers.nodes;
        const started = r.filter((c: Data) => mine.includes(c.uuid) && c.log?.includes('started\n'));
        return started.length >= 2 ? started : null;
      });
      // The two highest priorities, and nothing else: the budget is full.
      expect(running.map((c: Data) => c.uuid).sort()).toEqual(
        [made[1]!.cr.containerUuid, made[5]!.cr.containerUuid].sort(),
      );
      fs.writeFileSync(go, '');
      const containers: Data[] = [];
      for (const m of made) {
        await requestFinal(gw(), user.token, m.cr.uuid);
        containers.push({
          ...(await containerReaches(gw(), m.cr.containerUuid, ['COMPLETE'])),
          vcpus: m.vcpus,
          priority: m.priority,
        });
      }
      expect(containers.every((c) => c.exitCode === 0)).toBe(true);

      const byPriority = [...made].sort((a, b) => b.priority - a.priority).map((m) => m.cr.containerUuid);
      const lockOrder = dispatcher
        .logs()
        .filter((l) => l.msg === 'locked')
        .map((l) => l.container);
      expect(lockOrder).toEqual(byPriority);

      // At every start, what runs (started, not yet finished) fits in 2 vcpus.
      const t = (s: string) => Date.parse(s);
      for (const c of containers) {
        const at = t(c.startedAt);
        const inUse = containers
          .filter((o) => t(o.startedAt) <= at && at < t(o.finishedAt))
          .reduce((n, o) => n + o.vcpus, 0);
        expect(inUse).toBeLessThanOrEqual(2);
      }
    });

    test('a request cancelled mid-run: SIGTERM, SIGKILL after the grace period, CANCELLED, not retried', async () => {
      // Ignores SIGTERM: only the SIGKILL after the grace period ends it.
      const stubborn = `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('ready'); setInterval(() => {}, 1000);`;
      const cr = await createRequest(gw(), user.token, { command: nodeCommand(stubborn, tag()) });
      const running = await waitFor('the command to run', async () => {
        const c = await containerReaches(gw(), cr.containerUuid, ['RUNNING']);
        return c.log?.includes('ready') && c.runtimeStatus.pid ? c : null;
      });
      const pid = running.runtimeStatus.pid as number;
      expect(alive(pid)).toBe(true);

      const t0 = Date.now();
      ok(await updateRequest(gw(), user.token, cr.uuid, { priority: 0 }));
      const c = await containerReaches(gw(), cr.containerUuid, ['CANCELLED', 'COMPLETE']);
      const took = Date.now() - t0;
      expect(c.state).toBe('CANCELLED');
      expect(took).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000 - 100);
      expect(took).toBeLessThan(GRACE_SECONDS * 1000 + 8000);
      expect(c.log).toContain('ignoring SIGTERM');
      expect(c.log).toMatch(/dispatcher: stopped \(signal SIGKILL\): cancelled: its priority fell to 0/);
      expect(alive(pid)).toBe(false);
      const final = await requestFinal(gw(), user.token, cr.uuid);
      expect(final).toMatchObject({ containerUuid: cr.containerUuid, containerCount: 1 });
    });

    test('a container an admin sets to priority 0 is stopped and CANCELLED, and its retry runs to COMPLETE', async () => {
      const go = path.join(scratch, `go-${tag()}`);
      const cr = await createRequest(gw(), user.token, {
        command: nodeCommand(WAIT_FOR_GO, tag()),
        environment: { GO: go },
      });
      await waitFor('the command to run', async () =>
        (await containerReaches(gw(), cr.containerUuid, ['RUNNING'])).log?.includes('started'),
      );

      const t0 = Date.now();
      ok(await updateContainer(gw(), gw().rootToken, cr.containerUuid, { priority: 0 }));
      const cancelled = await containerReaches(gw(), cr.containerUuid, ['CANCELLED', 'COMPLETE']);
      expect(cancelled.state).toBe('CANCELLED');
      expect(Date.now() - t0).toBeLessThan(GRACE_SECONDS * 1000 + 8000);
      expect(cancelled.log).toMatch(/dispatcher: stopped \(signal SIGTERM\)/);

      // The request's priority is still 1: the gateway retried it on a new container.
      fs.writeFileSync(go, '');
      const final = await requestFinal(gw(), user.token, cr.uuid);
      expect(final.containerCount).toBe(2);
      expect(final.containerUuid).not.toBe(cr.containerUuid);
      const retry = await containerReaches(gw(), final.containerUuid, ['COMPLETE']);
      expect(retry).toMatchObject({ exitCode: 0 });
      expect(retry.log).toContain('went');
    });
  });
});
