CREATE TABLE "grant_count_slots" (
	"tenant_id" text NOT NULL,
	"app_entitlement_id" text NOT NULL,
	"slot" smallint NOT NULL,
	"grants" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "grant_count_slots_tenant_id_app_entitlement_id_slot_pk" PRIMARY KEY("tenant_id","app_entitlement_id","slot")
);--> statement-breakpoint
CREATE TABLE "user_count_slots" (
	"tenant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"slot" smallint NOT NULL,
	"users" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "user_count_slots_tenant_id_app_id_slot_pk" PRIMARY KEY("tenant_id","app_id","slot")
);--> statement-breakpoint
DROP INDEX "app_entitlements_app_idx";--> statement-breakpoint
DROP INDEX "app_resource_types_app_idx";--> statement-breakpoint
DROP INDEX "app_resources_app_idx";--> statement-breakpoint
DROP INDEX "app_users_app_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "app_entitlements_app_idx" ON "app_entitlements" USING btree ("tenant_id","app_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "app_resource_types_app_idx" ON "app_resource_types" USING btree ("tenant_id","app_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "app_resources_app_idx" ON "app_resources" USING btree ("tenant_id","app_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "app_users_app_idx" ON "app_users" USING btree ("tenant_id","app_id","id");--> statement-breakpoint
-- Hand-written part (between the generated statements): rows that earlier versions could leave
-- behind would make the foreign keys below fail, so they go first, children after parents.
DELETE FROM "app_resource_types" x WHERE NOT EXISTS (SELECT 1 FROM "apps" a WHERE a.tenant_id = x.tenant_id AND a.id = x.app_id);--> statement-breakpoint
DELETE FROM "app_resources" x WHERE NOT EXISTS (SELECT 1 FROM "apps" a WHERE a.tenant_id = x.tenant_id AND a.id = x.app_id)
  OR NOT EXISTS (SELECT 1 FROM "app_resource_types" t WHERE t.tenant_id = x.tenant_id AND t.app_id = x.app_id AND t.id = x.app_resource_type_id);--> statement-breakpoint
DELETE FROM "app_resource_owners" x WHERE NOT EXISTS (SELECT 1 FROM "app_resources" r WHERE r.tenant_id = x.tenant_id AND r.id = x.app_resource_id)
  OR NOT EXISTS (SELECT 1 FROM "users" u WHERE u.tenant_id = x.tenant_id AND u.id = x.user_id);--> statement-breakpoint
DELETE FROM "app_entitlements" x WHERE NOT EXISTS (SELECT 1 FROM "apps" a WHERE a.tenant_id = x.tenant_id AND a.id = x.app_id)
  OR (x.app_resource_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "app_resources" r WHERE r.tenant_id = x.tenant_id AND r.app_id = x.app_id AND r.id = x.app_resource_id));--> statement-breakpoint
UPDATE "app_entitlements" x SET app_resource_type_id = NULL WHERE x.app_resource_type_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM "app_resource_types" t WHERE t.tenant_id = x.tenant_id AND t.app_id = x.app_id AND t.id = x.app_resource_type_id);--> statement-breakpoint
DELETE FROM "app_entitlement_owners" x WHERE NOT EXISTS (SELECT 1 FROM "app_entitlements" e WHERE e.tenant_id = x.tenant_id AND e.id = x.app_entitlement_id)
  OR NOT EXISTS (SELECT 1 FROM "users" u WHERE u.tenant_id = x.tenant_id AND u.id = x.user_id);--> statement-breakpoint
DELETE FROM "app_owners" x WHERE NOT EXISTS (SELECT 1 FROM "apps" a WHERE a.tenant_id = x.tenant_id AND a.id = x.app_id)
  OR NOT EXISTS (SELECT 1 FROM "users" u WHERE u.tenant_id = x.tenant_id AND u.id = x.user_id);--> statement-breakpoint
DELETE FROM "app_users" x WHERE NOT EXISTS (SELECT 1 FROM "apps" a WHERE a.tenant_id = x.tenant_id AND a.id = x.app_id);--> statement-breakpoint
UPDATE "app_users" x SET identity_user_id = NULL WHERE x.identity_user_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM "users" u WHERE u.tenant_id = x.tenant_id AND u.id = x.identity_user_id);--> statement-breakpoint
-- Grants left without their app, entitlement or account end (their history says so) and go.
CREATE TEMPORARY TABLE "orphan_grants" ON COMMIT DROP AS SELECT g.tenant_id, g.id FROM "grants" g
  WHERE NOT EXISTS (SELECT 1 FROM "apps" a WHERE a.tenant_id = g.tenant_id AND a.id = g.app_id)
    OR NOT EXISTS (SELECT 1 FROM "app_entitlements" e WHERE e.tenant_id = g.tenant_id AND e.app_id = g.app_id AND e.id = g.app_entitlement_id)
    OR NOT EXISTS (SELECT 1 FROM "app_users" u WHERE u.tenant_id = g.tenant_id AND u.app_id = g.app_id AND u.id = g.app_user_id);--> statement-breakpoint
UPDATE "grant_history" h SET revoked_at = now(), revoke_reason = 'deleted' FROM "orphan_grants" o
  WHERE h.tenant_id = o.tenant_id AND h.grant_id = o.id AND h.revoked_at IS NULL;--> statement-breakpoint
DELETE FROM "grants" g USING "orphan_grants" o WHERE g.tenant_id = o.tenant_id AND g.id = o.id;--> statement-breakpoint
UPDATE "grants" x SET identity_user_id = NULL WHERE x.identity_user_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM "users" u WHERE u.tenant_id = x.tenant_id AND u.id = x.identity_user_id);--> statement-breakpoint
-- Counts move to counter slots (slot 0), recomputed from the grants themselves.
INSERT INTO "grant_count_slots" (tenant_id, app_entitlement_id, slot, grants)
  SELECT tenant_id, app_entitlement_id, 0, count(*) FROM "grants" GROUP BY tenant_id, app_entitlement_id;--> statement-breakpoint
UPDATE "app_users" x SET grant_count = coalesce((SELECT count(*) FROM "grants" g WHERE g.tenant_id = x.tenant_id AND g.app_user_id = x.id), 0);--> statement-breakpoint
INSERT INTO "user_count_slots" (tenant_id, app_id, slot, users)
  SELECT tenant_id, app_id, 0, count(DISTINCT app_user_id) FROM "grants" GROUP BY tenant_id, app_id;--> statement-breakpoint
ALTER TABLE "grant_count_slots" ADD CONSTRAINT "grant_count_slots_entitlement_fk" FOREIGN KEY ("tenant_id","app_entitlement_id") REFERENCES "public"."app_entitlements"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_count_slots" ADD CONSTRAINT "user_count_slots_app_fk" FOREIGN KEY ("tenant_id","app_id") REFERENCES "public"."apps"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_entitlement_owners" ADD CONSTRAINT "app_entitlement_owners_entitlement_fk" FOREIGN KEY ("tenant_id","app_entitlement_id") REFERENCES "public"."app_entitlements"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_entitlement_owners" ADD CONSTRAINT "app_entitlement_owners_user_fk" FOREIGN KEY ("tenant_id","user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_entitlements" ADD CONSTRAINT "app_entitlements_app_fk" FOREIGN KEY ("tenant_id","app_id") REFERENCES "public"."apps"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_entitlements" ADD CONSTRAINT "app_entitlements_resource_fk" FOREIGN KEY ("tenant_id","app_id","app_resource_id") REFERENCES "public"."app_resources"("tenant_id","app_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_entitlements" ADD CONSTRAINT "app_entitlements_type_fk" FOREIGN KEY ("tenant_id","app_id","app_resource_type_id") REFERENCES "public"."app_resource_types"("tenant_id","app_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_owners" ADD CONSTRAINT "app_owners_app_fk" FOREIGN KEY ("tenant_id","app_id") REFERENCES "public"."apps"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_owners" ADD CONSTRAINT "app_owners_user_fk" FOREIGN KEY ("tenant_id","user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_resource_owners" ADD CONSTRAINT "app_resource_owners_resource_fk" FOREIGN KEY ("tenant_id","app_resource_id") REFERENCES "public"."app_resources"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_resource_owners" ADD CONSTRAINT "app_resource_owners_user_fk" FOREIGN KEY ("tenant_id","user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_resource_types" ADD CONSTRAINT "app_resource_types_app_fk" FOREIGN KEY ("tenant_id","app_id") REFERENCES "public"."apps"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_resources" ADD CONSTRAINT "app_resources_app_fk" FOREIGN KEY ("tenant_id","app_id") REFERENCES "public"."apps"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_resources" ADD CONSTRAINT "app_resources_type_fk" FOREIGN KEY ("tenant_id","app_id","app_resource_type_id") REFERENCES "public"."app_resource_types"("tenant_id","app_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_users" ADD CONSTRAINT "app_users_app_fk" FOREIGN KEY ("tenant_id","app_id") REFERENCES "public"."apps"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_users" ADD CONSTRAINT "app_users_identity_fk" FOREIGN KEY ("tenant_id","identity_user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_app_fk" FOREIGN KEY ("tenant_id","app_id") REFERENCES "public"."apps"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_entitlement_fk" FOREIGN KEY ("tenant_id","app_id","app_entitlement_id") REFERENCES "public"."app_entitlements"("tenant_id","app_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_app_user_fk" FOREIGN KEY ("tenant_id","app_id","app_user_id") REFERENCES "public"."app_users"("tenant_id","app_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_identity_fk" FOREIGN KEY ("tenant_id","identity_user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "app_entitlements" DROP COLUMN "grant_count";--> statement-breakpoint
ALTER TABLE "app_resources" DROP COLUMN "grant_count";--> statement-breakpoint
ALTER TABLE "apps" DROP COLUMN "user_count";
