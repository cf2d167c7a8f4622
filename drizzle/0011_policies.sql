CREATE TABLE "policies" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"display_name" text NOT NULL,
	"policy_type" text NOT NULL,
	"policy_steps" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"rules" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"post_actions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"reassign_tasks_to_delegates" boolean DEFAULT false NOT NULL,
	"system_builtin" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policies_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "policies_type_ck" CHECK ("policies"."policy_type" in ('POLICY_TYPE_GRANT', 'POLICY_TYPE_REVOKE', 'POLICY_TYPE_CERTIFY', 'POLICY_TYPE_ACCESS_REQUEST', 'POLICY_TYPE_PROVISION')),
	CONSTRAINT "policies_shape_ck" CHECK (jsonb_typeof("policies"."policy_steps") = 'object' and jsonb_typeof("policies"."rules") = 'array' and jsonb_array_length("policies"."rules") <= 16 and jsonb_typeof("policies"."post_actions") = 'array')
);
--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Written by hand (drizzle-kit generates tables only). Every tenant has the built-in policies of
-- src/modules/policies/builtin.ts, with the same ids everywhere: a trigger inserts them with each new
-- tenant, and the statement after it gives them to the tenants that exist already.
CREATE FUNCTION gatehouse_builtin_policies() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  INSERT INTO "policies" ("tenant_id", "id", "display_name", "policy_type", "policy_steps", "system_builtin")
  VALUES
    (NEW."id", '2aKVLJuZhBf8OXwh0syLNbddjpR', 'Default Grant Policy', 'POLICY_TYPE_GRANT',
     '{"grant": {"steps": [{"approval": {"appOwners": {}}}, {"provision": {}}]}}'::jsonb, true),
    (NEW."id", '2aKVLJwT99llNq3QBHKAxXThRlS', 'Default Revoke Policy', 'POLICY_TYPE_REVOKE',
     '{"revoke": {"steps": [{"provision": {}}]}}'::jsonb, true);
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER "tenants_builtin_policies" AFTER INSERT ON "tenants" FOR EACH ROW EXECUTE FUNCTION gatehouse_builtin_policies();--> statement-breakpoint
INSERT INTO "policies" ("tenant_id", "id", "display_name", "policy_type", "policy_steps", "system_builtin")
SELECT t."id", b."id", b."display_name", b."policy_type", b."policy_steps", true
FROM "tenants" t CROSS JOIN (VALUES
  ('2aKVLJuZhBf8OXwh0syLNbddjpR', 'Default Grant Policy', 'POLICY_TYPE_GRANT',
   '{"grant": {"steps": [{"approval": {"appOwners": {}}}, {"provision": {}}]}}'::jsonb),
  ('2aKVLJwT99llNq3QBHKAxXThRlS', 'Default Revoke Policy', 'POLICY_TYPE_REVOKE',
   '{"revoke": {"steps": [{"provision": {}}]}}'::jsonb)
) AS b("id", "display_name", "policy_type", "policy_steps");--> statement-breakpoint
-- Policy ids stored before policies existed named nothing (any text was kept): those that name no
-- policy of the field's type become NULL, so that the foreign keys below can hold.
UPDATE "apps" SET "certify_policy_id" = NULL WHERE "certify_policy_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "policies" p WHERE p."tenant_id" = "apps"."tenant_id" AND p."id" = "apps"."certify_policy_id" AND p."policy_type" = 'POLICY_TYPE_CERTIFY');--> statement-breakpoint
UPDATE "apps" SET "grant_policy_id" = NULL WHERE "grant_policy_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "policies" p WHERE p."tenant_id" = "apps"."tenant_id" AND p."id" = "apps"."grant_policy_id" AND p."policy_type" = 'POLICY_TYPE_GRANT');--> statement-breakpoint
UPDATE "apps" SET "revoke_policy_id" = NULL WHERE "revoke_policy_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "policies" p WHERE p."tenant_id" = "apps"."tenant_id" AND p."id" = "apps"."revoke_policy_id" AND p."policy_type" = 'POLICY_TYPE_REVOKE');--> statement-breakpoint
UPDATE "app_entitlements" SET "certify_policy_id" = NULL WHERE "certify_policy_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "policies" p WHERE p."tenant_id" = "app_entitlements"."tenant_id" AND p."id" = "app_entitlements"."certify_policy_id" AND p."policy_type" = 'POLICY_TYPE_CERTIFY');--> statement-breakpoint
UPDATE "app_entitlements" SET "grant_policy_id" = NULL WHERE "grant_policy_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "policies" p WHERE p."tenant_id" = "app_entitlements"."tenant_id" AND p."id" = "app_entitlements"."grant_policy_id" AND p."policy_type" = 'POLICY_TYPE_GRANT');--> statement-breakpoint
UPDATE "app_entitlements" SET "revoke_policy_id" = NULL WHERE "revoke_policy_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "policies" p WHERE p."tenant_id" = "app_entitlements"."tenant_id" AND p."id" = "app_entitlements"."revoke_policy_id" AND p."policy_type" = 'POLICY_TYPE_REVOKE');--> statement-breakpoint
UPDATE "app_entitlements" SET "emergency_grant_policy_id" = NULL WHERE "emergency_grant_policy_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "policies" p WHERE p."tenant_id" = "app_entitlements"."tenant_id" AND p."id" = "app_entitlements"."emergency_grant_policy_id" AND p."policy_type" = 'POLICY_TYPE_GRANT');--> statement-breakpoint
ALTER TABLE "app_entitlements" ADD CONSTRAINT "app_entitlements_certify_policy_fk" FOREIGN KEY ("tenant_id","certify_policy_id") REFERENCES "public"."policies"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_entitlements" ADD CONSTRAINT "app_entitlements_grant_policy_fk" FOREIGN KEY ("tenant_id","grant_policy_id") REFERENCES "public"."policies"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_entitlements" ADD CONSTRAINT "app_entitlements_revoke_policy_fk" FOREIGN KEY ("tenant_id","revoke_policy_id") REFERENCES "public"."policies"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_entitlements" ADD CONSTRAINT "app_entitlements_emergency_grant_policy_fk" FOREIGN KEY ("tenant_id","emergency_grant_policy_id") REFERENCES "public"."policies"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "apps" ADD CONSTRAINT "apps_certify_policy_fk" FOREIGN KEY ("tenant_id","certify_policy_id") REFERENCES "public"."policies"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "apps" ADD CONSTRAINT "apps_grant_policy_fk" FOREIGN KEY ("tenant_id","grant_policy_id") REFERENCES "public"."policies"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "apps" ADD CONSTRAINT "apps_revoke_policy_fk" FOREIGN KEY ("tenant_id","revoke_policy_id") REFERENCES "public"."policies"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "app_entitlements_certify_policy_idx" ON "app_entitlements" USING btree ("tenant_id","certify_policy_id") WHERE "app_entitlements"."certify_policy_id" is not null;--> statement-breakpoint
CREATE INDEX "app_entitlements_grant_policy_idx" ON "app_entitlements" USING btree ("tenant_id","grant_policy_id") WHERE "app_entitlements"."grant_policy_id" is not null;--> statement-breakpoint
CREATE INDEX "app_entitlements_revoke_policy_idx" ON "app_entitlements" USING btree ("tenant_id","revoke_policy_id") WHERE "app_entitlements"."revoke_policy_id" is not null;--> statement-breakpoint
CREATE INDEX "app_entitlements_emergency_grant_policy_idx" ON "app_entitlements" USING btree ("tenant_id","emergency_grant_policy_id") WHERE "app_entitlements"."emergency_grant_policy_id" is not null;