-- DuckDB's side of "switchwatch import jsonl FILE --out DIR": parse every
-- request line (the fields importer/jsonl.go documents that the generated
-- log uses), make the probe row's columns, classify errors by SQLSTATE and
-- message as the importer does, number each stream's rows in order of
-- intended start and write the rows sorted by it as Parquet (zstd,
-- 100,000-row groups, as switchwatch writes segments).
--
-- What the importer does and this does not: check every line and count
-- the ones it skips with a reason, the run id from the files' SHA-256,
-- run.json with the interval from the median step, bounded memory.
COPY (
  WITH l AS (
    SELECT * FROM read_json({{files}}, format = 'newline_delimited', columns = {
      time: 'VARCHAR', op: 'VARCHAR', outcome: 'VARCHAR', latency_ms: 'DOUBLE',
      error: 'VARCHAR', sqlstate: 'VARCHAR', server: 'VARCHAR', conn: 'VARCHAR'})
  ), r AS (
    SELECT op AS kind, coalesce(conn, 'pooled') AS conn,
           CASE WHEN op = 'read' THEN 'read' ELSE 'write' END AS endpoint,
           time::TIMESTAMPTZ AS intended,
           outcome,
           round(latency_ms * 1e6)::BIGINT AS latency_ns,
           CASE WHEN outcome = 'ok' THEN NULL
                WHEN sqlstate = '25006' THEN 'read_only'
                WHEN sqlstate IN ('57P01', '57P02', '57P03') THEN 'shutdown'
                WHEN sqlstate = '53300' THEN 'too_many_connections'
                WHEN sqlstate = '57014' THEN 'query_timeout'
                WHEN sqlstate IS NOT NULL THEN 'other'
                WHEN outcome = 'timeout' THEN CASE WHEN op = 'connect' THEN 'connect_timeout' ELSE 'query_timeout' END
                WHEN contains(error, 'connection refused') THEN 'refused'
                WHEN contains(error, 'connection reset') THEN 'reset'
                WHEN contains(error, 'read-only') THEN 'read_only'
                ELSE 'other' END AS error_class,
           sqlstate, left(error, 256) AS error, server AS server_addr
    FROM l
  )
  SELECT 'jsonl-duckdb' AS run_id, kind, conn, endpoint,
         row_number() OVER (PARTITION BY kind, conn, endpoint ORDER BY intended) - 1 AS seq,
         intended, intended AS start,
         intended + to_microseconds(latency_ns // 1000) AS "end",
         latency_ns, outcome, error_class, sqlstate, error, server_addr
  FROM r ORDER BY intended
) TO {{out}} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100000);
