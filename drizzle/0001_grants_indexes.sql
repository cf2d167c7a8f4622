ALTER TABLE "app_entitlements" ADD COLUMN "emergency_grant_enabled" boolean;--> statement-breakpoint
ALTER TABLE "app_entitlements" ADD COLUMN "emergency_grant_policy_id" text;--> statement-breakpoint
ALTER TABLE "app_entitlements" ADD COLUMN "risk_level_value_id" text;--> statement-breakpoint
ALTER TABLE "app_entitlements" ADD COLUMN "override_access_requests_defaults" boolean;--> statement-breakpoint
ALTER TABLE "app_entitlements" ADD COLUMN "compliance_framework_value_ids" text[];--> statement-breakpoint
CREATE UNIQUE INDEX "app_entitlements_app_slug_uq" ON "app_entitlements" USING btree ("tenant_id","app_id","slug") WHERE "app_entitlements"."slug" is not null and "app_entitlements"."app_resource_id" is null;--> statement-breakpoint
CREATE INDEX "app_users_identity_idx" ON "app_users" USING btree ("tenant_id","identity_user_id");--> statement-breakpoint
CREATE INDEX "grant_history_app_idx" ON "grant_history" USING btree ("tenant_id","app_id","id");--> statement-breakpoint
CREATE INDEX "grant_history_app_user_idx" ON "grant_history" USING btree ("tenant_id","app_user_id","id");--> statement-breakpoint
CREATE INDEX "grants_entitlement_idx" ON "grants" USING btree ("tenant_id","app_entitlement_id","id");