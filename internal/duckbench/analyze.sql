-- DuckDB's side of "switchwatch analyze --no-runs DIR": read every probe
-- row, give it its state by the analyzer's rules (analyze/classify.go and
-- the package doc), find each stream's changes of state with lag(), and
-- count probes and segments (maximal stretches of one state) per run and
-- state. {{parquet}} is the list of the runs' Parquet files.
--
-- What the analyzer does and this does not: combine the streams into
-- phases, per-run metrics (downtime, flaps, server and DNS changes),
-- statistics across runs, clock-step correction and duplicate removal.
WITH p AS (
  -- every row, the columns the classification needs
  SELECT run_id, kind, conn, endpoint, coalesce(profile, '') AS profile,
         seq, intended, latency_ns, outcome, error_class
  FROM read_parquet({{parquet}})
), first_failure AS (
  -- a stream is (run, kind, conn, endpoint, profile); its first failure
  -- (outcome error or timeout) ends its steady state
  SELECT run_id, kind, conn, endpoint, profile,
         min(seq) FILTER (WHERE outcome IN ('error', 'timeout')) AS ff
  FROM p GROUP BY ALL
), steady AS (
  -- median latency of the successful probes before the first failure,
  -- of all successful probes when fewer than 20 precede it
  SELECT run_id, kind, conn, endpoint, profile,
         count(*) FILTER (WHERE outcome = 'ok' AND (ff IS NULL OR seq < ff)) AS n_before,
         median(latency_ns) FILTER (WHERE outcome = 'ok' AND (ff IS NULL OR seq < ff)) AS m_before,
         median(latency_ns) FILTER (WHERE outcome = 'ok') AS m_all
  FROM p JOIN first_failure USING (run_id, kind, conn, endpoint, profile)
  GROUP BY ALL
), thresholds AS (
  -- one pair per run (the analyzer's run-wide rule, analyze/stall.go):
  -- from the largest steady median of the run's streams, slow 10 x it
  -- (10 ms to 1 s), stalled 100 x it (100 ms to 2 s); 10 ms and 100 ms
  -- when no stream has a successful probe
  SELECT run_id,
         CASE WHEN m IS NULL THEN 10000000 ELSE least(greatest(10 * m, 10000000), 1000000000) END AS slow_ns,
         CASE WHEN m IS NULL THEN 100000000 ELSE least(greatest(100 * m, 100000000), 2000000000) END AS stall_ns
  FROM (SELECT run_id, max(CASE WHEN n_before >= 20 THEN m_before ELSE m_all END) AS m FROM steady GROUP BY run_id)
), classified AS (
  SELECT run_id, kind, conn, endpoint, profile, seq,
    CASE
      WHEN outcome = 'ok' THEN CASE WHEN latency_ns > stall_ns THEN 'stalled'
                                    WHEN latency_ns > slow_ns THEN 'slow'
                                    ELSE 'ok' END
      WHEN outcome = 'skipped' THEN 'skipped'
      WHEN outcome = 'timeout' AND error_class IS NULL THEN 'unavailable'
      WHEN outcome IN ('error', 'timeout') THEN CASE
        WHEN error_class = 'read_only' THEN 'read_only'
        WHEN error_class IN ('connect_timeout', 'query_timeout', 'refused', 'reset', 'dns', 'shutdown',
                             'too_many_connections', 'inflight_limit', 'inferred') THEN 'unavailable'
        ELSE 'error' END
      ELSE 'error'
    END AS state
  FROM p JOIN thresholds USING (run_id)
), changes AS (
  -- the gaps-and-islands step: a row starts a segment when its state
  -- differs from the one before it in its stream (grid order, seq, as the
  -- analyzer orders a stream)
  SELECT run_id, state,
         state IS DISTINCT FROM lag(state) OVER (PARTITION BY run_id, kind, conn, endpoint, profile ORDER BY seq) AS starts
  FROM classified
)
SELECT run_id, state, count(*) AS probes, count(*) FILTER (WHERE starts) AS segments
FROM changes GROUP BY ALL ORDER BY ALL;
