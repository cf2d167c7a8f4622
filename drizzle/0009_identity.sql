CREATE TABLE "role_settings" (
	"tenant_id" text NOT NULL,
	"role_id" text NOT NULL,
	"display_name" text NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "role_settings_tenant_id_role_id_pk" PRIMARY KEY("tenant_id","role_id"),
	CONSTRAINT "role_settings_role_ck" CHECK ("role_settings"."role_id" = any(array['2JhXHWNrda0GBuPsfXY4w9W4VcK', '2JhXHfGxfQ7tfBpOWOWs7NzW5u0', '2JhXHmdhUdcAdgAeJ66eqQ9NkAQ', '2JhXHtvNG1yWWwqmLnkHkiziSnA', '2JhXHyrVtBrfaR3gqvt7KQlTGfW', '2JhXI6rtrgDvYtMRQpEcnFOvAfT', '2JhXIHpSfCzDzNG5fpVtXubhglw', '2JhXILR4raMu2pEPHho2hNUqajG']::text[]))
);
--> statement-breakpoint
ALTER TABLE "clients" ALTER COLUMN "role" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "clients" ADD COLUMN "credential_id" text;--> statement-breakpoint
ALTER TABLE "clients" ADD COLUMN "user_id" text;--> statement-breakpoint
ALTER TABLE "clients" ADD COLUMN "allow_source_cidr" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "clients" ADD COLUMN "scoped_roles" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "clients" ADD COLUMN "expires_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "clients" ADD COLUMN "last_used_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "clients" ADD COLUMN "updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "employment_type" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "employee_ids" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "role_ids" text[] DEFAULT '{2JhXILR4raMu2pEPHho2hNUqajG}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "role_settings" ADD CONSTRAINT "role_settings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clients" ADD CONSTRAINT "clients_tenant_id_user_id_users_tenant_id_id_fk" FOREIGN KEY ("tenant_id","user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "clients_credential_uq" ON "clients" USING btree ("tenant_id","credential_id");--> statement-breakpoint
CREATE INDEX "clients_user_idx" ON "clients" USING btree ("tenant_id","user_id");--> statement-breakpoint
ALTER TABLE "clients" ADD CONSTRAINT "clients_owner_ck" CHECK (("clients"."user_id" is null) <> ("clients"."role" is null));--> statement-breakpoint
ALTER TABLE "clients" ADD CONSTRAINT "clients_role_ck" CHECK ("clients"."role" in ('admin', 'read-only'));--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_roles_ck" CHECK ("users"."role_ids" <@ array['2JhXHWNrda0GBuPsfXY4w9W4VcK', '2JhXHfGxfQ7tfBpOWOWs7NzW5u0', '2JhXHmdhUdcAdgAeJ66eqQ9NkAQ', '2JhXHtvNG1yWWwqmLnkHkiziSnA', '2JhXHyrVtBrfaR3gqvt7KQlTGfW', '2JhXI6rtrgDvYtMRQpEcnFOvAfT', '2JhXIHpSfCzDzNG5fpVtXubhglw', '2JhXILR4raMu2pEPHho2hNUqajG']::text[] and '2JhXILR4raMu2pEPHho2hNUqajG' = any("users"."role_ids"));