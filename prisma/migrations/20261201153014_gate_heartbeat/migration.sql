-- AlterTable
ALTER TABLE "rollout_plan" ADD COLUMN     "last_evaluated_at" TIMESTAMPTZ(3);
