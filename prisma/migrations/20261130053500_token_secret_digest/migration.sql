-- Token secrets at rest (README "Secrets at rest"): a SHA-256 digest to look tokens up and
-- compare them by, and the secret itself only sealed. The key is not in the database, so this
-- migration moves the clear secret into sealed_secret, and the gateway seals those values when
-- it starts (resealTokenSecrets). A cached remote token keeps no secret at all, only the digest.
-- (No semicolon in these comments: the migrator splits the script at each one.)

-- AlterTable
ALTER TABLE "api_client_authorizations" ADD COLUMN "secret_digest" TEXT;
UPDATE "api_client_authorizations" SET "secret_digest" = encode(sha256(convert_to("secret", 'UTF8')), 'hex');
ALTER TABLE "api_client_authorizations" ALTER COLUMN "secret_digest" SET NOT NULL;

-- DropIndex
DROP INDEX "api_client_authorizations_secret_idx";

-- AlterTable
ALTER TABLE "api_client_authorizations" RENAME COLUMN "secret" TO "sealed_secret";
ALTER TABLE "api_client_authorizations" ALTER COLUMN "sealed_secret" DROP NOT NULL;
UPDATE "api_client_authorizations" SET "sealed_secret" = NULL WHERE "remote_validated_at" IS NOT NULL;

-- CreateIndex
CREATE INDEX "api_client_authorizations_secret_digest_idx" ON "api_client_authorizations"("secret_digest");
