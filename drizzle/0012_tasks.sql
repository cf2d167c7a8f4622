CREATE TABLE "task_audits" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "task_audits_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"task_id" text NOT NULL,
	"user_id" text,
	"state" text NOT NULL,
	"event" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "task_audits_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "task_counters" (
	"tenant_id" text PRIMARY KEY NOT NULL,
	"last" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"numeric_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"state" text NOT NULL,
	"outcome" text,
	"outcome_at" timestamp (3) with time zone,
	"app_id" text NOT NULL,
	"app_entitlement_id" text NOT NULL,
	"identity_user_id" text NOT NULL,
	"app_user_id" text,
	"created_by_user_id" text,
	"display_name" text NOT NULL,
	"description" text,
	"origin" text NOT NULL,
	"emergency_access" boolean DEFAULT false NOT NULL,
	"grant_duration_seconds" bigint,
	"request_data" jsonb,
	"policy" jsonb NOT NULL,
	"step_approver_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tasks_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "tasks_kind_ck" CHECK ("tasks"."kind" in ('grant', 'revoke')),
	CONSTRAINT "tasks_state_ck" CHECK ("tasks"."state" in ('TASK_STATE_OPEN', 'TASK_STATE_CLOSED')),
	CONSTRAINT "tasks_outcome_ck" CHECK (("tasks"."state" = 'TASK_STATE_CLOSED') = ("tasks"."outcome" is not null)),
	CONSTRAINT "tasks_duration_ck" CHECK ("tasks"."grant_duration_seconds" is null or "tasks"."grant_duration_seconds" > 0)
);
--> statement-breakpoint
ALTER TABLE "task_audits" ADD CONSTRAINT "task_audits_task_fk" FOREIGN KEY ("tenant_id","task_id") REFERENCES "public"."tasks"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_counters" ADD CONSTRAINT "task_counters_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "task_audits_task_idx" ON "task_audits" USING btree ("tenant_id","task_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_numeric_uq" ON "tasks" USING btree ("tenant_id","numeric_id");--> statement-breakpoint
CREATE INDEX "tasks_subject_idx" ON "tasks" USING btree ("tenant_id","identity_user_id");--> statement-breakpoint
CREATE INDEX "tasks_entitlement_idx" ON "tasks" USING btree ("tenant_id","app_entitlement_id");--> statement-breakpoint
CREATE INDEX "tasks_approvers_idx" ON "tasks" USING gin ("step_approver_ids");