-- AlterTable
ALTER TABLE "request_rollup" ADD COLUMN     "latency_n" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "timeouts" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "request_unit_rollup" (
    "experiment" TEXT NOT NULL,
    "stage" INTEGER NOT NULL,
    "variant" TEXT NOT NULL,
    "unit_bucket" INTEGER NOT NULL,
    "n" INTEGER NOT NULL DEFAULT 0,
    "errors" INTEGER NOT NULL DEFAULT 0,
    "timeouts" INTEGER NOT NULL DEFAULT 0,
    "graded" INTEGER NOT NULL DEFAULT 0,
    "correct" INTEGER NOT NULL DEFAULT 0,
    "latency_n" INTEGER NOT NULL DEFAULT 0,
    "latency_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "cost_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,

    CONSTRAINT "request_unit_rollup_pkey" PRIMARY KEY ("experiment","stage","variant","unit_bucket")
);

-- Rollups written before the outcome model kept every request in the latency sums.
UPDATE "request_rollup" SET "latency_n" = "n";
