-- Raised by a one-statement write that found the world changed under it (another transaction
-- made a row it meant to make): the statement, and so all it wrote, rolls back, and the
-- service redoes the work on its slower path. SQLSTATE 40001 (serialization_failure) is the
-- standard "retry the transaction".
CREATE FUNCTION gatehouse_retry(reason text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION 'gatehouse_retry: %', reason USING ERRCODE = '40001';
END
$$;
