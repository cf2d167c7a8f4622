-- Every app has a default request catalog (App.defaultRequestCatalogId), published and visible to
-- everyone, holding the app's requestable entitlements. Apps made before catalogs get theirs here,
-- with the entitlements of manually managed apps in it (they were requestable before: they stay so).
-- Ids: 27 characters of base62 (hex of an md5), stable per app; they sort before newer KSUIDs.
INSERT INTO "request_catalogs" ("tenant_id", "id", "display_name", "description", "published", "visible_to_everyone", "app_id")
SELECT a."tenant_id", '0' || substr(md5(a."tenant_id" || '/' || a."id"), 1, 26), a."display_name",
       'Requestable entitlements of ' || a."display_name", true, true, a."id"
FROM "apps" a
WHERE NOT EXISTS (SELECT 1 FROM "request_catalogs" c WHERE c."tenant_id" = a."tenant_id" AND c."app_id" = a."id");
--> statement-breakpoint
UPDATE "apps" a SET "default_request_catalog_id" = c."id"
FROM "request_catalogs" c
WHERE c."tenant_id" = a."tenant_id" AND c."app_id" = a."id" AND a."default_request_catalog_id" IS DISTINCT FROM c."id";
--> statement-breakpoint
INSERT INTO "request_catalog_entries" ("tenant_id", "catalog_id", "app_id", "app_entitlement_id")
SELECT e."tenant_id", c."id", e."app_id", e."id"
FROM "app_entitlements" e
JOIN "apps" a ON a."tenant_id" = e."tenant_id" AND a."id" = e."app_id"
JOIN "request_catalogs" c ON c."tenant_id" = e."tenant_id" AND c."app_id" = e."app_id"
WHERE a."is_manually_managed" AND e."sync_id" IS NULL
ON CONFLICT DO NOTHING;
