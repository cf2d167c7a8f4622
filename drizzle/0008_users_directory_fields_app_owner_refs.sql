ALTER TABLE "apps" ADD COLUMN "entitlement_owner_refs" jsonb;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "manager_ids" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "delegated_user_id" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "origin" text DEFAULT 'USER_ORIGIN_LOCAL' NOT NULL;