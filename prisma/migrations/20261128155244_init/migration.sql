-- CreateEnum
CREATE TYPE "ExperimentStatus" AS ENUM ('draft', 'running', 'paused', 'stopped', 'completed');

-- CreateEnum
CREATE TYPE "ApiKeyRole" AS ENUM ('admin', 'viewer', 'service');

-- CreateEnum
CREATE TYPE "RolloutStatus" AS ENUM ('pending', 'running', 'paused', 'rolled_back', 'completed');

-- CreateTable
CREATE TABLE "experiment" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "status" "ExperimentStatus" NOT NULL DEFAULT 'draft',
    "specs_share" DOUBLE PRECISION NOT NULL,
    "hash_seed" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "experiment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "variant" (
    "id" UUID NOT NULL,
    "experiment_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "strategy" TEXT NOT NULL,
    "params" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "variant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "request_log" (
    "request_id" TEXT NOT NULL,
    "experiment" TEXT NOT NULL,
    "stage" INTEGER NOT NULL DEFAULT 0,
    "variant" TEXT NOT NULL,
    "strategy" TEXT NOT NULL,
    "unit_hash" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "queue_wait_ms" REAL,
    "decode_ms" REAL,
    "latency_ms" REAL NOT NULL,
    "draft_tokens" INTEGER NOT NULL DEFAULT 0,
    "target_tokens" INTEGER NOT NULL DEFAULT 0,
    "prm_tokens" INTEGER NOT NULL DEFAULT 0,
    "draft_ms" REAL NOT NULL DEFAULT 0,
    "target_ms" REAL NOT NULL DEFAULT 0,
    "prm_ms" REAL NOT NULL DEFAULT 0,
    "model_calls" INTEGER NOT NULL DEFAULT 0,
    "target_fallbacks" INTEGER,
    "draft_acceptance" REAL,
    "cost_usd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "prm_score" REAL,
    "answer" INTEGER,
    "reference" INTEGER,
    "correct" BOOLEAN,
    "grading_source" TEXT NOT NULL DEFAULT 'none',
    "error" TEXT,
    "status" TEXT NOT NULL DEFAULT 'ok',

    CONSTRAINT "request_log_pkey" PRIMARY KEY ("request_id")
);

-- CreateTable
CREATE TABLE "request_rollup" (
    "experiment" TEXT NOT NULL,
    "stage" INTEGER NOT NULL,
    "variant" TEXT NOT NULL,
    "bucket" TIMESTAMPTZ(0) NOT NULL,
    "n" INTEGER NOT NULL DEFAULT 0,
    "errors" INTEGER NOT NULL DEFAULT 0,
    "graded" INTEGER NOT NULL DEFAULT 0,
    "correct" INTEGER NOT NULL DEFAULT 0,
    "latency_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "latency_sum_sq" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "cost_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "cost_sum_sq" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "graded_cost_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "graded_cost_sum_sq" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "cost_correct_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "draft_tokens" BIGINT NOT NULL DEFAULT 0,
    "target_tokens" BIGINT NOT NULL DEFAULT 0,
    "prm_tokens" BIGINT NOT NULL DEFAULT 0,
    "draft_acceptance_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "draft_acceptance_n" INTEGER NOT NULL DEFAULT 0,
    "fallbacks" INTEGER NOT NULL DEFAULT 0,
    "latency_hist" INTEGER[],

    CONSTRAINT "request_rollup_pkey" PRIMARY KEY ("experiment","stage","variant","bucket")
);

-- CreateTable
CREATE TABLE "feedback" (
    "id" BIGSERIAL NOT NULL,
    "request_id" TEXT NOT NULL,
    "correct" BOOLEAN NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "applied" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "feedback_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "entity_key" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_key" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" "ApiKeyRole" NOT NULL,
    "key_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "share_history" (
    "id" BIGSERIAL NOT NULL,
    "experiment_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "specs_share" DOUBLE PRECISION NOT NULL,
    "stage" INTEGER NOT NULL DEFAULT 0,
    "reason" TEXT NOT NULL,

    CONSTRAINT "share_history_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollout_plan" (
    "id" UUID NOT NULL,
    "experiment_id" UUID NOT NULL,
    "stages" JSONB NOT NULL,
    "guardrails" JSONB NOT NULL,
    "success" JSONB NOT NULL DEFAULT '{}',
    "status" "RolloutStatus" NOT NULL DEFAULT 'pending',
    "current_stage" INTEGER NOT NULL DEFAULT 0,
    "stage_started_at" TIMESTAMPTZ(3),
    "approved_stage" INTEGER,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "rollout_plan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollout_decision" (
    "id" BIGSERIAL NOT NULL,
    "experiment_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stage" INTEGER NOT NULL,
    "verdict" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "reasons" JSONB NOT NULL,
    "metrics" JSONB NOT NULL,
    "webhook_status" TEXT,

    CONSTRAINT "rollout_decision_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "experiment_key_key" ON "experiment"("key");

-- CreateIndex
CREATE UNIQUE INDEX "variant_experiment_id_key_key" ON "variant"("experiment_id", "key");

-- CreateIndex
CREATE INDEX "request_log_experiment_stage_variant_received_at_idx" ON "request_log"("experiment", "stage", "variant", "received_at");

-- CreateIndex
CREATE INDEX "request_log_received_at_idx" ON "request_log"("received_at");

-- CreateIndex
CREATE INDEX "feedback_request_id_idx" ON "feedback"("request_id");

-- CreateIndex
CREATE INDEX "feedback_applied_idx" ON "feedback"("applied");

-- CreateIndex
CREATE INDEX "audit_log_entity_type_entity_key_at_idx" ON "audit_log"("entity_type", "entity_key", "at");

-- CreateIndex
CREATE UNIQUE INDEX "api_key_key_hash_key" ON "api_key"("key_hash");

-- CreateIndex
CREATE INDEX "share_history_experiment_id_at_idx" ON "share_history"("experiment_id", "at");

-- CreateIndex
CREATE UNIQUE INDEX "rollout_plan_experiment_id_key" ON "rollout_plan"("experiment_id");

-- CreateIndex
CREATE INDEX "rollout_decision_experiment_id_at_idx" ON "rollout_decision"("experiment_id", "at");

-- AddForeignKey
ALTER TABLE "variant" ADD CONSTRAINT "variant_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "share_history" ADD CONSTRAINT "share_history_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rollout_plan" ADD CONSTRAINT "rollout_plan_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rollout_decision" ADD CONSTRAINT "rollout_decision_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
