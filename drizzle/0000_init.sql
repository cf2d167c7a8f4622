CREATE TABLE "app_entitlement_owners" (
	"tenant_id" text NOT NULL,
	"app_entitlement_id" text NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "app_entitlement_owners_tenant_id_app_entitlement_id_user_id_pk" PRIMARY KEY("tenant_id","app_entitlement_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "app_entitlements" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"app_id" text NOT NULL,
	"app_resource_type_id" text,
	"app_resource_id" text,
	"display_name" text NOT NULL,
	"description" text,
	"slug" text,
	"alias" text,
	"purpose" text,
	"duration_grant_seconds" bigint,
	"certify_policy_id" text,
	"grant_policy_id" text,
	"revoke_policy_id" text,
	"match_baton_id" text,
	"grant_count" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "app_entitlements_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "app_owners" (
	"tenant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "app_owners_tenant_id_app_id_user_id_pk" PRIMARY KEY("tenant_id","app_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "app_resource_owners" (
	"tenant_id" text NOT NULL,
	"app_resource_id" text NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "app_resource_owners_tenant_id_app_resource_id_user_id_pk" PRIMARY KEY("tenant_id","app_resource_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "app_resource_types" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"app_id" text NOT NULL,
	"display_name" text NOT NULL,
	"resource_type" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "app_resource_types_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "app_resources" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"app_id" text NOT NULL,
	"app_resource_type_id" text NOT NULL,
	"display_name" text NOT NULL,
	"description" text,
	"custom_description" text,
	"match_baton_id" text,
	"parent_app_resource_id" text,
	"parent_app_resource_type_id" text,
	"grant_count" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "app_resources_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "app_users" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"app_id" text NOT NULL,
	"identity_user_id" text,
	"display_name" text,
	"email" text,
	"username" text,
	"app_user_type" text DEFAULT 'APP_USER_TYPE_USER' NOT NULL,
	"status" text DEFAULT 'STATUS_ENABLED' NOT NULL,
	"grant_count" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "app_users_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "apps" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"display_name" text NOT NULL,
	"description" text,
	"certify_policy_id" text,
	"grant_policy_id" text,
	"revoke_policy_id" text,
	"identity_matching" text DEFAULT 'APP_USER_IDENTITY_MATCHING_UNSPECIFIED' NOT NULL,
	"monthly_cost_usd" integer,
	"strict_access_entitlement_provisioning" boolean,
	"is_manually_managed" boolean DEFAULT true NOT NULL,
	"is_directory" boolean DEFAULT false NOT NULL,
	"icon_url" text,
	"instructions" text,
	"default_request_catalog_id" text,
	"user_count" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "apps_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "clients" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"public_key" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp (3) with time zone,
	CONSTRAINT "clients_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "grant_history" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"grant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"app_entitlement_id" text NOT NULL,
	"app_user_id" text NOT NULL,
	"identity_user_id" text,
	"granted_at" timestamp (3) with time zone NOT NULL,
	"revoked_at" timestamp (3) with time zone,
	"revoke_reason" text,
	CONSTRAINT "grant_history_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "grants" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"app_id" text NOT NULL,
	"app_entitlement_id" text NOT NULL,
	"app_user_id" text NOT NULL,
	"identity_user_id" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deprovision_at" timestamp (3) with time zone,
	CONSTRAINT "grants_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "server_settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" text PRIMARY KEY NOT NULL,
	"domain" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenants_domain_unique" UNIQUE("domain")
);
--> statement-breakpoint
CREATE TABLE "used_assertions" (
	"key" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"email" text NOT NULL,
	"display_name" text NOT NULL,
	"username" text,
	"department" text,
	"job_title" text,
	"employment_status" text,
	"status" text DEFAULT 'ENABLED' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "apps" ADD CONSTRAINT "apps_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clients" ADD CONSTRAINT "clients_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "app_entitlements_app_idx" ON "app_entitlements" USING btree ("tenant_id","app_id","id");--> statement-breakpoint
CREATE INDEX "app_entitlements_resource_idx" ON "app_entitlements" USING btree ("tenant_id","app_resource_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "app_entitlements_slug_uq" ON "app_entitlements" USING btree ("tenant_id","app_resource_id","slug") WHERE "app_entitlements"."slug" is not null;--> statement-breakpoint
CREATE INDEX "app_resource_types_app_idx" ON "app_resource_types" USING btree ("tenant_id","app_id","id");--> statement-breakpoint
CREATE INDEX "app_resources_type_idx" ON "app_resources" USING btree ("tenant_id","app_id","app_resource_type_id","id");--> statement-breakpoint
CREATE INDEX "app_resources_app_idx" ON "app_resources" USING btree ("tenant_id","app_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "app_resources_baton_uq" ON "app_resources" USING btree ("tenant_id","app_id","app_resource_type_id","match_baton_id") WHERE "app_resources"."match_baton_id" is not null;--> statement-breakpoint
CREATE INDEX "app_users_app_idx" ON "app_users" USING btree ("tenant_id","app_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "app_users_identity_uq" ON "app_users" USING btree ("tenant_id","app_id","identity_user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "clients_id_uq" ON "clients" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "grant_history_grant_uq" ON "grant_history" USING btree ("tenant_id","grant_id");--> statement-breakpoint
CREATE INDEX "grant_history_entitlement_idx" ON "grant_history" USING btree ("tenant_id","app_entitlement_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "grants_binding_uq" ON "grants" USING btree ("tenant_id","app_entitlement_id","app_user_id");--> statement-breakpoint
CREATE INDEX "grants_app_user_idx" ON "grants" USING btree ("tenant_id","app_id","app_user_id");--> statement-breakpoint
CREATE INDEX "grants_identity_idx" ON "grants" USING btree ("tenant_id","identity_user_id");--> statement-breakpoint
CREATE INDEX "grants_deprovision_idx" ON "grants" USING btree ("deprovision_at") WHERE "grants"."deprovision_at" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_uq" ON "users" USING btree ("tenant_id",lower("email"));