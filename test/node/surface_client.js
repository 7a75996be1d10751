// salesalgo through node-postgres, as an application connects: PostgreSQL's
// default search_path, parameters sent untyped.  Usage:
// node surface_client.js CONNECTION_STRING.  Prints "name value" a line.
'use strict';
const { Client } = require('pg');

const queries = [
  ['eq', 'SELECT count(*) FROM salesalgo.client WHERE state = $1', ['deal']],
  ['in', 'SELECT count(*) FROM salesalgo.client WHERE state IN ($1, $2)', ['new', 'deal']],
  ['gt', 'SELECT count(*) FROM salesalgo.client WHERE state > $1', ['contact_1']],
  ['between', 'SELECT count(*) FROM salesalgo.client WHERE state BETWEEN $1 AND $2', ['contact_1', 'deal']],
  ['case', 'SELECT sum(CASE WHEN state = $1 THEN 1 ELSE 0 END) FROM salesalgo.client', ['deal']],
  ['filter', 'SELECT count(*) FILTER (WHERE state = $1) FROM salesalgo.client', ['new']],
  ['size_ge', 'SELECT count(*) FROM salesalgo.client WHERE size >= $1', ['medium']],
  ['cast', 'SELECT count(*) FROM salesalgo.client WHERE state = $1::salesalgo.client_state', ['deal']],
  ['max', "SELECT max(state)::text || ' ' || min(size)::text FROM salesalgo.client", []],
  ['join', 'SELECT count(*) FROM salesalgo.funnel JOIN salesalgo.pipeline USING (state)', []],
];

async function main() {
  const client = new Client({ connectionString: process.argv[2] });
  await client.connect();
  for (const [name, sql, params] of queries) {
    const res = await client.query({ text: sql, values: params, rowMode: 'array' });
    console.log(name, String(res.rows[0][0]));
  }
  await client.end();
}

main().catch((e) => {
  console.log('error', e.code, e.message);
  process.exit(1);
});
