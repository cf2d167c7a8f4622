-- ANALYZE (and autovacuum) then keep the share of resources that has each trigram of the search key, which a
-- search reads to leave common trigrams out of its index condition (src/modules/resources/search-key.ts).
CREATE STATISTICS "app_resources_search_key_trigrams" ON (show_trgm(search_key)) FROM "app_resources";
