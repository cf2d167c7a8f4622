-- The search key of a resource: its display name and description lowercased (as ILIKE does), with every
-- character that is not a letter or digit removed. Text that contains a query also contains the query's key,
-- so a trigram index on the key can narrow a search that ILIKE then decides. Removing punctuation and spaces
-- lets trigrams span them ("team-042" has the trigrams "m04" and "042"), which narrows far more than words alone.
CREATE FUNCTION gatehouse_search_key(t text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT regexp_replace(lower(t), '[^[:alnum:]]+', '', 'g') $$;
