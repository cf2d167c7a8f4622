ALTER TABLE "app_entitlements" ADD COLUMN "sync_id" text;--> statement-breakpoint
ALTER TABLE "app_resource_types" ADD COLUMN "match_baton_id" text;--> statement-breakpoint
ALTER TABLE "app_resource_types" ADD COLUMN "sync_id" text;--> statement-breakpoint
ALTER TABLE "app_resources" ADD COLUMN "sync_id" text;--> statement-breakpoint
ALTER TABLE "app_users" ADD COLUMN "match_baton_id" text;--> statement-breakpoint
ALTER TABLE "app_users" ADD COLUMN "sync_id" text;--> statement-breakpoint
ALTER TABLE "grants" ADD COLUMN "grant_sources" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "grants" ADD COLUMN "sync_id" text;--> statement-breakpoint
CREATE UNIQUE INDEX "app_entitlements_baton_uq" ON "app_entitlements" USING btree ("tenant_id","app_id","match_baton_id") WHERE "app_entitlements"."sync_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "app_resource_types_baton_uq" ON "app_resource_types" USING btree ("tenant_id","app_id","match_baton_id") WHERE "app_resource_types"."match_baton_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "app_users_baton_uq" ON "app_users" USING btree ("tenant_id","app_id","match_baton_id") WHERE "app_users"."match_baton_id" is not null;