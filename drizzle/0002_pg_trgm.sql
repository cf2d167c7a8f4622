-- Trigram indexes (ILIKE %text% searches over resources) need pg_trgm.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
