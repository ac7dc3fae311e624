// Runs one SQL statement (the file argv[2]) in DuckDB's Node.js package,
// installed under $SWITCHWATCH_DUCKDB_NODE (npm install --prefix DIR
// @duckdb/node-api), in an in-memory database, and prints the result as
// one JSON object: {"columns": [...], "rows": [[...], ...]}, every value a
// string. Used by internal/duckbench; any error exits 1 with its message.
const fs = require('fs');
const path = require('path');
const duck = require(path.join(process.env.SWITCHWATCH_DUCKDB_NODE, 'node_modules', '@duckdb', 'node-api'));
(async () => {
  const sql = fs.readFileSync(process.argv[2], 'utf8');
  const con = await (await duck.DuckDBInstance.create(':memory:')).connect();
  const r = await con.runAndReadAll(sql);
  console.log(JSON.stringify({ columns: r.columnNames(), rows: r.getRowsJS().map(row => row.map(String)) }));
})().catch(e => { console.error(e.message); process.exit(1); });
