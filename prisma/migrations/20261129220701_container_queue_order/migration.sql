-- DropIndex
DROP INDEX "containers_state_priority_idx";

-- CreateIndex
CREATE INDEX "containers_state_priority_uuid_idx" ON "containers"("state", "priority", "uuid");
