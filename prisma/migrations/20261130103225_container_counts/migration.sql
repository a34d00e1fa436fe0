-- Container counts (docs/design.md §5, "Counting containers"): container_counts holds, per
-- shard, how many containers are in each bucket, kept exact by the triggers below, so that an
-- admin's totalCount of a state reads at most 16 rows instead of every container in it.
--
-- Two steps. As each row changes, container_counts_note adds its +1/-1 to the transaction's
-- own tally (a transaction-local setting: no lock, no write, undone with a rolled-back
-- savepoint). When the transaction commits, the deferred constraint trigger
-- container_counts_flush adds the tally to the row of its connection's shard
-- (pg_backend_pid() % 16) once, and clears it (the flushes for the other rows find it empty).
-- So the counter row is the last lock a transaction takes, one upsert however many rows it
-- changed: a transaction waiting for it never holds up its holder (no deadlock, whatever order
-- transactions took their containers in), concurrent writers mostly touch different rows, and
-- a bulk insert costs no more per row than a single one. A rolled-back transaction flushes
-- nothing. An update that keeps the bucket (anything but state, or a priority that stays on
-- its side of 0) fires neither (WHEN).

-- CreateTable
CREATE TABLE "container_counts" (
    "shard" INTEGER NOT NULL,
    "queued" BIGINT NOT NULL DEFAULT 0,
    "queued_with_priority" BIGINT NOT NULL DEFAULT 0,
    "locked" BIGINT NOT NULL DEFAULT 0,
    "running" BIGINT NOT NULL DEFAULT 0,
    "complete" BIGINT NOT NULL DEFAULT 0,
    "cancelled" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "container_counts_pkey" PRIMARY KEY ("shard")
);

-- The tally: {queued, queued_with_priority, locked, running, complete, cancelled}. The row
-- leaves OLD's bucket (not on INSERT, where OLD is null) and enters NEW's (not on DELETE).
CREATE FUNCTION "container_counts_note"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t bigint[] := COALESCE(NULLIF(current_setting('cr_gateway.container_counts', true), '')::bigint[],
                         '{0,0,0,0,0,0}');
BEGIN
  t[1] := t[1] + COALESCE((NEW.state = 'QUEUED')::int, 0) - COALESCE((OLD.state = 'QUEUED')::int, 0);
  t[2] := t[2] + COALESCE((NEW.state = 'QUEUED' AND NEW.priority > 0)::int, 0)
               - COALESCE((OLD.state = 'QUEUED' AND OLD.priority > 0)::int, 0);
  t[3] := t[3] + COALESCE((NEW.state = 'LOCKED')::int, 0) - COALESCE((OLD.state = 'LOCKED')::int, 0);
  t[4] := t[4] + COALESCE((NEW.state = 'RUNNING')::int, 0) - COALESCE((OLD.state = 'RUNNING')::int, 0);
  t[5] := t[5] + COALESCE((NEW.state = 'COMPLETE')::int, 0) - COALESCE((OLD.state = 'COMPLETE')::int, 0);
  t[6] := t[6] + COALESCE((NEW.state = 'CANCELLED')::int, 0) - COALESCE((OLD.state = 'CANCELLED')::int, 0);
  PERFORM set_config('cr_gateway.container_counts', t::text, true);
  RETURN NULL;
END
$$;

CREATE FUNCTION "container_counts_flush"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t bigint[] := NULLIF(current_setting('cr_gateway.container_counts', true), '')::bigint[];
BEGIN
  IF t IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('cr_gateway.container_counts', '', true);
  IF t = '{0,0,0,0,0,0}' THEN
    RETURN NULL;
  END IF;
  INSERT INTO container_counts AS c (shard, queued, queued_with_priority, locked, running, complete, cancelled)
  VALUES (pg_backend_pid() % 16, t[1], t[2], t[3], t[4], t[5], t[6])
  ON CONFLICT (shard) DO UPDATE SET
    queued = c.queued + EXCLUDED.queued,
    queued_with_priority = c.queued_with_priority + EXCLUDED.queued_with_priority,
    locked = c.locked + EXCLUDED.locked,
    running = c.running + EXCLUDED.running,
    complete = c.complete + EXCLUDED.complete,
    cancelled = c.cancelled + EXCLUDED.cancelled;
  RETURN NULL;
END
$$;

CREATE TRIGGER "container_counts_note_insert" AFTER INSERT ON "containers"
  FOR EACH ROW EXECUTE FUNCTION "container_counts_note"();
CREATE TRIGGER "container_counts_note_delete" AFTER DELETE ON "containers"
  FOR EACH ROW EXECUTE FUNCTION "container_counts_note"();
CREATE TRIGGER "container_counts_note_update" AFTER UPDATE OF "state", "priority" ON "containers"
  FOR EACH ROW
  WHEN (OLD."state" <> NEW."state" OR (NEW."state" = 'QUEUED' AND (OLD."priority" > 0) <> (NEW."priority" > 0)))
  EXECUTE FUNCTION "container_counts_note"();

CREATE CONSTRAINT TRIGGER "container_counts_flush_insert" AFTER INSERT ON "containers"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "container_counts_flush"();
CREATE CONSTRAINT TRIGGER "container_counts_flush_delete" AFTER DELETE ON "containers"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "container_counts_flush"();
CREATE CONSTRAINT TRIGGER "container_counts_flush_update" AFTER UPDATE OF "state", "priority" ON "containers"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD."state" <> NEW."state" OR (NEW."state" = 'QUEUED' AND (OLD."priority" > 0) <> (NEW."priority" > 0)))
  EXECUTE FUNCTION "container_counts_flush"();

-- A TRUNCATE empties every bucket.
CREATE FUNCTION "container_counts_truncated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM container_counts;
  RETURN NULL;
END
$$;

CREATE TRIGGER "container_counts_truncate" AFTER TRUNCATE ON "containers"
  FOR EACH STATEMENT EXECUTE FUNCTION "container_counts_truncated"();

-- Backfill: the containers there already, counted after the triggers exist (on PostgreSQL,
-- creating them waited for the writes under way and holds off new ones until this commits).
INSERT INTO "container_counts" ("shard", "queued", "queued_with_priority", "locked", "running", "complete", "cancelled")
SELECT 0,
       count(*) FILTER (WHERE "state" = 'QUEUED'),
       count(*) FILTER (WHERE "state" = 'QUEUED' AND "priority" > 0),
       count(*) FILTER (WHERE "state" = 'LOCKED'),
       count(*) FILTER (WHERE "state" = 'RUNNING'),
       count(*) FILTER (WHERE "state" = 'COMPLETE'),
       count(*) FILTER (WHERE "state" = 'CANCELLED')
  FROM "containers";
