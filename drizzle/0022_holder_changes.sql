ALTER TABLE "grant_count_slots" ADD COLUMN "changes" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "user_count_slots" ADD COLUMN "changes" bigint DEFAULT 0 NOT NULL;