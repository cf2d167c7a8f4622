CREATE TABLE "webhook_instances" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"webhook_id" text NOT NULL,
	"url" text NOT NULL,
	"event" text NOT NULL,
	"source" jsonb NOT NULL,
	"payload" jsonb NOT NULL,
	"state" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone,
	"lease_owner" text,
	"lease_until" timestamp (3) with time zone,
	"last_attempted_at" timestamp (3) with time zone,
	"completed_at" timestamp (3) with time zone,
	"expires_at" timestamp (3) with time zone,
	"callback_timeout_ms" bigint NOT NULL,
	"callback_token" text,
	"answer" jsonb,
	"last_status" integer,
	"last_error" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_instances_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "webhook_instances_state_check" CHECK ("webhook_instances"."state" in ('WEBHOOK_STATE_PENDING', 'WEBHOOK_STATE_RUNNING', 'WEBHOOK_STATE_ERROR', 'WEBHOOK_STATE_WAITING_CALLBACK', 'WEBHOOK_STATE_PROCESS_RESPONSE', 'WEBHOOK_STATE_SUCCESS', 'WEBHOOK_STATE_FATAL_ERROR')),
	CONSTRAINT "webhook_instances_attempts_check" CHECK ("webhook_instances"."attempts" >= 0)
);
--> statement-breakpoint
CREATE TABLE "webhook_keys" (
	"tenant_id" text NOT NULL,
	"kid" text NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"private_jwk" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp (3) with time zone,
	CONSTRAINT "webhook_keys_tenant_id_kid_pk" PRIMARY KEY("tenant_id","kid")
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"display_name" text NOT NULL,
	"description" text,
	"url" text NOT NULL,
	"callback_timeout_ms" bigint NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhooks_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "webhook_instances" ADD CONSTRAINT "webhook_instances_webhook_fk" FOREIGN KEY ("tenant_id","webhook_id") REFERENCES "public"."webhooks"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_keys" ADD CONSTRAINT "webhook_keys_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_instances_webhook_idx" ON "webhook_instances" USING btree ("tenant_id","webhook_id","id");--> statement-breakpoint
CREATE INDEX "webhook_instances_due_idx" ON "webhook_instances" USING btree ("next_attempt_at") WHERE next_attempt_at is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_instances_callback_idx" ON "webhook_instances" USING btree ("callback_token") WHERE callback_token is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_keys_current_idx" ON "webhook_keys" USING btree ("tenant_id") WHERE retired_at is null;