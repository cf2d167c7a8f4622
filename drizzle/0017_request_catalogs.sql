CREATE TABLE "app_access_request_defaults" (
	"tenant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"catalog_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"request_policy_id" text,
	"duration_grant_seconds" integer,
	"duration_unset" boolean DEFAULT false NOT NULL,
	"emergency_grant_enabled" boolean,
	"emergency_grant_policy_id" text,
	"resource_type_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"defaults_enabled" boolean DEFAULT false NOT NULL,
	"state" text DEFAULT 'APP_ACCESS_REQUEST_DEFAULTS_LAST_APPLY_STATE_UNSPECIFIED' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "app_access_request_defaults_tenant_id_app_id_pk" PRIMARY KEY("tenant_id","app_id")
);
--> statement-breakpoint
CREATE TABLE "request_catalog_access" (
	"tenant_id" text NOT NULL,
	"catalog_id" text NOT NULL,
	"app_id" text NOT NULL,
	"app_entitlement_id" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "request_catalog_access_tenant_id_catalog_id_app_entitlement_id_pk" PRIMARY KEY("tenant_id","catalog_id","app_entitlement_id")
);
--> statement-breakpoint
CREATE TABLE "request_catalog_enrollments" (
	"tenant_id" text NOT NULL,
	"catalog_id" text NOT NULL,
	"user_id" text NOT NULL,
	"requested_entitlement_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "request_catalog_enrollments_tenant_id_catalog_id_user_id_pk" PRIMARY KEY("tenant_id","catalog_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "request_catalog_entries" (
	"tenant_id" text NOT NULL,
	"catalog_id" text NOT NULL,
	"app_id" text NOT NULL,
	"app_entitlement_id" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "request_catalog_entries_tenant_id_catalog_id_app_entitlement_id_pk" PRIMARY KEY("tenant_id","catalog_id","app_entitlement_id")
);
--> statement-breakpoint
CREATE TABLE "request_catalogs" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"display_name" text NOT NULL,
	"description" text,
	"published" boolean DEFAULT false NOT NULL,
	"visible_to_everyone" boolean DEFAULT false NOT NULL,
	"request_bundle" boolean DEFAULT false NOT NULL,
	"enrollment_behavior" text DEFAULT 'REQUEST_CATALOG_ENROLLMENT_BEHAVIOR_UNSPECIFIED' NOT NULL,
	"unenrollment_behavior" text DEFAULT 'REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_UNSPECIFIED' NOT NULL,
	"unenrollment_entitlement_behavior" text DEFAULT 'REQUEST_CATALOG_UNENROLLMENT_ENTITLEMENT_BEHAVIOR_UNSPECIFIED' NOT NULL,
	"grant_policy_id" text,
	"created_by_user_id" text,
	"app_id" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "request_catalogs_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "request_catalogs_enroll_ck" CHECK ("request_catalogs"."enrollment_behavior" in ('REQUEST_CATALOG_ENROLLMENT_BEHAVIOR_UNSPECIFIED', 'REQUEST_CATALOG_ENROLLMENT_BEHAVIOR_BYPASS_ENTITLEMENT_REQUEST_POLICY', 'REQUEST_CATALOG_ENROLLMENT_BEHAVIOR_ENFORCE_ENTITLEMENT_REQUEST_POLICY')),
	CONSTRAINT "request_catalogs_unenroll_ck" CHECK ("request_catalogs"."unenrollment_behavior" in ('REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_UNSPECIFIED', 'REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_LEAVE_ACCESS_AS_IS', 'REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_REVOKE_ALL', 'REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_REVOKE_UNJUSTIFIED')),
	CONSTRAINT "request_catalogs_unenroll_ent_ck" CHECK ("request_catalogs"."unenrollment_entitlement_behavior" in ('REQUEST_CATALOG_UNENROLLMENT_ENTITLEMENT_BEHAVIOR_UNSPECIFIED', 'REQUEST_CATALOG_UNENROLLMENT_ENTITLEMENT_BEHAVIOR_BYPASS', 'REQUEST_CATALOG_UNENROLLMENT_ENTITLEMENT_BEHAVIOR_ENFORCE'))
);
--> statement-breakpoint
ALTER TABLE "app_access_request_defaults" ADD CONSTRAINT "app_access_request_defaults_app_fk" FOREIGN KEY ("tenant_id","app_id") REFERENCES "public"."apps"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_access_request_defaults" ADD CONSTRAINT "app_access_request_defaults_request_policy_fk" FOREIGN KEY ("tenant_id","request_policy_id") REFERENCES "public"."policies"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_access_request_defaults" ADD CONSTRAINT "app_access_request_defaults_emergency_policy_fk" FOREIGN KEY ("tenant_id","emergency_grant_policy_id") REFERENCES "public"."policies"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_catalog_access" ADD CONSTRAINT "request_catalog_access_catalog_fk" FOREIGN KEY ("tenant_id","catalog_id") REFERENCES "public"."request_catalogs"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_catalog_access" ADD CONSTRAINT "request_catalog_access_entitlement_fk" FOREIGN KEY ("tenant_id","app_id","app_entitlement_id") REFERENCES "public"."app_entitlements"("tenant_id","app_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_catalog_enrollments" ADD CONSTRAINT "request_catalog_enrollments_catalog_fk" FOREIGN KEY ("tenant_id","catalog_id") REFERENCES "public"."request_catalogs"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_catalog_enrollments" ADD CONSTRAINT "request_catalog_enrollments_user_fk" FOREIGN KEY ("tenant_id","user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_catalog_entries" ADD CONSTRAINT "request_catalog_entries_catalog_fk" FOREIGN KEY ("tenant_id","catalog_id") REFERENCES "public"."request_catalogs"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_catalog_entries" ADD CONSTRAINT "request_catalog_entries_entitlement_fk" FOREIGN KEY ("tenant_id","app_id","app_entitlement_id") REFERENCES "public"."app_entitlements"("tenant_id","app_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_catalogs" ADD CONSTRAINT "request_catalogs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_catalogs" ADD CONSTRAINT "request_catalogs_app_fk" FOREIGN KEY ("tenant_id","app_id") REFERENCES "public"."apps"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_catalogs" ADD CONSTRAINT "request_catalogs_grant_policy_fk" FOREIGN KEY ("tenant_id","grant_policy_id") REFERENCES "public"."policies"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "request_catalog_access_entitlement_idx" ON "request_catalog_access" USING btree ("tenant_id","app_entitlement_id");--> statement-breakpoint
CREATE INDEX "request_catalog_enrollments_user_idx" ON "request_catalog_enrollments" USING btree ("tenant_id","user_id");--> statement-breakpoint
CREATE INDEX "request_catalog_entries_entitlement_idx" ON "request_catalog_entries" USING btree ("tenant_id","app_entitlement_id");--> statement-breakpoint
CREATE UNIQUE INDEX "request_catalogs_app_uq" ON "request_catalogs" USING btree ("tenant_id","app_id") WHERE "request_catalogs"."app_id" is not null;--> statement-breakpoint
CREATE INDEX "request_catalogs_grant_policy_idx" ON "request_catalogs" USING btree ("tenant_id","grant_policy_id") WHERE "request_catalogs"."grant_policy_id" is not null;