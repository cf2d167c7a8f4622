ALTER TABLE "tasks" ADD COLUMN "source" jsonb;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "due_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "lease_until" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "tasks_due_idx" ON "tasks" USING btree ("due_at") WHERE "tasks"."state" = 'TASK_STATE_OPEN' and "tasks"."due_at" is not null;