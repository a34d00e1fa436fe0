-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "ContainerRequestState" AS ENUM ('UNCOMMITTED', 'COMMITTED', 'FINAL');

-- CreateEnum
CREATE TYPE "ContainerState" AS ENUM ('QUEUED', 'LOCKED', 'RUNNING', 'COMPLETE', 'CANCELLED');

-- CreateTable
CREATE TABLE "users" (
    "uuid" TEXT NOT NULL,
    "email" TEXT,
    "full_name" TEXT,
    "is_admin" BOOLEAN NOT NULL DEFAULT false,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "modified_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "api_client_authorizations" (
    "uuid" TEXT NOT NULL,
    "user_uuid" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "scopes" TEXT[] DEFAULT ARRAY['all']::TEXT[],
    "expires_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "remote_validated_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_client_authorizations_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "container_requests" (
    "uuid" TEXT NOT NULL,
    "owner_uuid" TEXT NOT NULL,
    "name" TEXT,
    "description" TEXT,
    "properties" JSONB NOT NULL DEFAULT '{}',
    "state" "ContainerRequestState" NOT NULL DEFAULT 'UNCOMMITTED',
    "priority" INTEGER,
    "command" TEXT[],
    "container_image" TEXT NOT NULL,
    "cwd" TEXT NOT NULL DEFAULT '.',
    "environment" JSONB NOT NULL DEFAULT '{}',
    "mounts" JSONB NOT NULL DEFAULT '{}',
    "output_path" TEXT NOT NULL,
    "runtime_constraints" JSONB NOT NULL DEFAULT '{}',
    "scheduling_parameters" JSONB NOT NULL DEFAULT '{}',
    "use_existing" BOOLEAN NOT NULL DEFAULT true,
    "container_count_max" INTEGER NOT NULL DEFAULT 3,
    "container_count" INTEGER NOT NULL DEFAULT 0,
    "container_uuid" TEXT,
    "requesting_container_uuid" TEXT,
    "log" TEXT,
    "output" TEXT,
    "runtime_token" TEXT,
    "secret_mounts" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "modified_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "modified_by_user_uuid" TEXT,

    CONSTRAINT "container_requests_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "containers" (
    "uuid" TEXT NOT NULL,
    "state" "ContainerState" NOT NULL DEFAULT 'QUEUED',
    "priority" BIGINT NOT NULL DEFAULT 0,
    "command" TEXT[],
    "container_image" TEXT NOT NULL,
    "cwd" TEXT NOT NULL,
    "environment" JSONB NOT NULL DEFAULT '{}',
    "mounts" JSONB NOT NULL DEFAULT '{}',
    "output_path" TEXT NOT NULL,
    "runtime_constraints" JSONB NOT NULL DEFAULT '{}',
    "scheduling_parameters" JSONB NOT NULL DEFAULT '{}',
    "runtime_user_uuid" TEXT NOT NULL,
    "runtime_auth_scopes" TEXT[],
    "locked_by_uuid" TEXT,
    "auth_uuid" TEXT,
    "exit_code" INTEGER,
    "log" TEXT,
    "output" TEXT,
    "progress" DOUBLE PRECISION,
    "runtime_status" JSONB NOT NULL DEFAULT '{}',
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "runtime_token" TEXT,
    "secret_mounts" JSONB NOT NULL DEFAULT '{}',
    "secret_mounts_md5" TEXT NOT NULL,
    "reuse_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "modified_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "containers_pkey" PRIMARY KEY ("uuid")
);

-- CreateIndex
CREATE INDEX "users_email_idx" ON "users"("email");

-- CreateIndex
CREATE INDEX "api_client_authorizations_user_uuid_idx" ON "api_client_authorizations"("user_uuid");

-- CreateIndex
CREATE INDEX "api_client_authorizations_expires_at_idx" ON "api_client_authorizations"("expires_at");

-- CreateIndex
CREATE INDEX "api_client_authorizations_secret_idx" ON "api_client_authorizations"("secret");

-- CreateIndex
CREATE INDEX "container_requests_owner_uuid_created_at_idx" ON "container_requests"("owner_uuid", "created_at");

-- CreateIndex
CREATE INDEX "container_requests_container_uuid_state_idx" ON "container_requests"("container_uuid", "state");

-- CreateIndex
CREATE INDEX "container_requests_requesting_container_uuid_idx" ON "container_requests"("requesting_container_uuid");

-- CreateIndex
CREATE INDEX "container_requests_state_created_at_idx" ON "container_requests"("state", "created_at");

-- CreateIndex
CREATE INDEX "containers_reuse_hash_state_idx" ON "containers"("reuse_hash", "state");

-- CreateIndex
CREATE INDEX "containers_state_priority_idx" ON "containers"("state", "priority");

-- CreateIndex
CREATE INDEX "containers_locked_by_uuid_idx" ON "containers"("locked_by_uuid");

-- CreateIndex
CREATE INDEX "containers_auth_uuid_idx" ON "containers"("auth_uuid");

-- AddForeignKey
ALTER TABLE "api_client_authorizations" ADD CONSTRAINT "api_client_authorizations_user_uuid_fkey" FOREIGN KEY ("user_uuid") REFERENCES "users"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "container_requests" ADD CONSTRAINT "container_requests_owner_uuid_fkey" FOREIGN KEY ("owner_uuid") REFERENCES "users"("uuid") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "container_requests" ADD CONSTRAINT "container_requests_container_uuid_fkey" FOREIGN KEY ("container_uuid") REFERENCES "containers"("uuid") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "container_requests" ADD CONSTRAINT "container_requests_requesting_container_uuid_fkey" FOREIGN KEY ("requesting_container_uuid") REFERENCES "containers"("uuid") ON DELETE SET NULL ON UPDATE CASCADE;
