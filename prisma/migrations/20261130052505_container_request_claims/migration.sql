-- DropIndex
DROP INDEX "container_requests_container_uuid_state_idx";

-- CreateIndex
CREATE INDEX "container_requests_container_uuid_state_requesting_containe_idx" ON "container_requests"("container_uuid", "state", "requesting_container_uuid", "priority" DESC, "created_at");
