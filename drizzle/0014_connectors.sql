CREATE TABLE "connectors" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"app_id" text NOT NULL,
	"display_name" text DEFAULT '' NOT NULL,
	"description" text,
	"catalog_id" text,
	"user_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"config" jsonb,
	"sync_started_at" timestamp (3) with time zone,
	"sync_completed_at" timestamp (3) with time zone,
	"last_error" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "connectors_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "connectors" ADD CONSTRAINT "connectors_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connectors" ADD CONSTRAINT "connectors_app_fk" FOREIGN KEY ("tenant_id","app_id") REFERENCES "public"."apps"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "connectors_app_idx" ON "connectors" USING btree ("tenant_id","app_id","id");