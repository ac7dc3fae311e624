-- DuckDB's side of "switchwatch import pgbench LOG... --out DIR": read
-- pgbench's per-transaction logs (space-delimited "client tx time script
-- epoch us lag", importer/doc.go), make each line's probe row (intended =
-- completion - time, start = intended + lag, end = completion), number
-- the rows in order of intended start and write them sorted by it as
-- Parquet (zstd, 100,000-row groups, as switchwatch writes segments).
--
-- What the importer does and this does not: check every line (time order
-- per file, hung transactions), estimate the rate and infer the gaps where
-- nothing was scheduled as unavailable rows (it reads the files three
-- times for that), the run id from the files' SHA-256, run.json, bounded
-- memory.
COPY (
  WITH l AS (
    SELECT * FROM read_csv({{files}}, delim = ' ', header = false, auto_detect = false,
      columns = {client: 'BIGINT', tx: 'BIGINT', time: 'VARCHAR', script: 'BIGINT',
                 epoch: 'BIGINT', us: 'BIGINT', lag: 'BIGINT'})
  ), r AS (
    SELECT epoch * 1000000 + us AS end_us, try_cast(time AS BIGINT) AS lat_us, lag, time
    FROM l
  ), p AS (
    SELECT make_timestamptz(end_us - coalesce(lat_us, 0)) AS intended,
           make_timestamptz(end_us - coalesce(lat_us, 0) + coalesce(lag, 0)) AS start,
           make_timestamptz(end_us) AS "end",
           CASE WHEN lat_us IS NOT NULL THEN 'ok' WHEN time = 'skipped' THEN 'skipped' ELSE 'error' END AS outcome,
           CASE WHEN lat_us IS NULL AND time <> 'skipped' THEN 'other' END AS error_class,
           (coalesce(lat_us, 0) - coalesce(lag, 0)) * 1000 AS latency_ns
    FROM r
  )
  SELECT 'pgbench-duckdb' AS run_id, 'write' AS kind, 'pooled' AS conn, 'write' AS endpoint,
         row_number() OVER (ORDER BY intended) - 1 AS seq,
         intended, start, "end", latency_ns, outcome, error_class
  FROM p ORDER BY intended
) TO {{out}} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100000);
