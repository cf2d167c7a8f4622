DROP INDEX "app_resources_display_name_trgm";--> statement-breakpoint
DROP INDEX "app_resources_description_trgm";--> statement-breakpoint
ALTER TABLE "app_resources" ADD COLUMN "search_key" text GENERATED ALWAYS AS (gatehouse_search_key(display_name || ' ' || coalesce(description, ''))) STORED;--> statement-breakpoint
CREATE INDEX "app_resources_search_key_trgm" ON "app_resources" USING gin ("search_key" gin_trgm_ops);