CREATE TABLE "system_log_events" (
	"tenant_id" text NOT NULL,
	"xid" bigint DEFAULT (pg_current_xact_id()::text)::bigint NOT NULL,
	"seq" bigserial NOT NULL,
	"time" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"actor_email" text,
	"event" jsonb NOT NULL,
	CONSTRAINT "system_log_events_tenant_id_xid_seq_pk" PRIMARY KEY("tenant_id","xid","seq")
);
--> statement-breakpoint
ALTER TABLE "system_log_events" ADD CONSTRAINT "system_log_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "system_log_events_time_idx" ON "system_log_events" USING btree ("time");