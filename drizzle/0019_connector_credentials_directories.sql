CREATE TABLE "connector_sync_files" (
	"tenant_id" text NOT NULL,
	"connector_id" text NOT NULL,
	"file" "bytea" NOT NULL,
	"size" integer NOT NULL,
	"uploaded_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "connector_sync_files_tenant_id_connector_id_pk" PRIMARY KEY("tenant_id","connector_id")
);
--> statement-breakpoint
CREATE TABLE "directories" (
	"tenant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"cel_expression" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "directories_tenant_id_app_id_pk" PRIMARY KEY("tenant_id","app_id"),
	CONSTRAINT "directories_cel_ck" CHECK ("directories"."cel_expression" is null or length("directories"."cel_expression") between 1 and 4096)
);
--> statement-breakpoint
ALTER TABLE "clients" DROP CONSTRAINT "clients_role_ck";--> statement-breakpoint
ALTER TABLE "clients" ADD COLUMN "connector_id" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "directory_ids" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "connector_sync_files" ADD CONSTRAINT "connector_sync_files_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_sync_files" ADD CONSTRAINT "connector_sync_files_connector_fk" FOREIGN KEY ("tenant_id","connector_id") REFERENCES "public"."connectors"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "directories" ADD CONSTRAINT "directories_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "directories" ADD CONSTRAINT "directories_app_fk" FOREIGN KEY ("tenant_id","app_id") REFERENCES "public"."apps"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clients" ADD CONSTRAINT "clients_connector_fk" FOREIGN KEY ("tenant_id","connector_id") REFERENCES "public"."connectors"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "clients_connector_idx" ON "clients" USING btree ("tenant_id","connector_id");--> statement-breakpoint
ALTER TABLE "clients" ADD CONSTRAINT "clients_connector_ck" CHECK ((coalesce("clients"."role", '') = 'connector') = ("clients"."connector_id" is not null));--> statement-breakpoint
ALTER TABLE "clients" ADD CONSTRAINT "clients_role_ck" CHECK ("clients"."role" in ('admin', 'read-only', 'connector'));