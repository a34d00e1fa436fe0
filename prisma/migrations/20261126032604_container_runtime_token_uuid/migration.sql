-- AlterTable
ALTER TABLE "containers" ADD COLUMN     "runtime_token_uuid" TEXT;

-- CreateIndex
CREATE INDEX "containers_runtime_token_uuid_idx" ON "containers"("runtime_token_uuid");
