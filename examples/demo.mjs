// Lists a paged vendor API served on 127.0.0.1 through the pagination engine, one page at a time
// and with 8 pages in flight, and writes the records as NDJSON. Needs `npm run build` first.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:http';
import { createHttpClient, pageNumberStrategy, paginate } from '../dist/index.js';

const RECORDS = 1_000;
const LATENCY_MS = 20;
const OUT = 'sandbox-export.ndjson';

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const page = Number(url.searchParams.get('page') ?? 1);
  const limit = Math.min(Number(url.searchParams.get('limit') ?? 50), 100);
  const start = (page - 1) * limit;
  const data = [];
  for (let n = start; n < Math.min(start + limit, RECORDS); n++) {
    data.push({
      id: `msg-${n}`,
      content: `message ${n}`,
      created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
    });
  }
  const body = {
    data,
    metadata: {
      currentPage: page,
      pageSize: limit,
      totalCount: RECORDS,
      totalPages: Math.ceil(RECORDS / limit),
    },
  };
  setTimeout(() => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  }, LATENCY_MS);
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address();

const http = createHttpClient({
  source: 'demo',
  baseURL: `http://127.0.0.1:${port}`,
  headers: { 'x-api-key': 'demo-key' },
  secrets: ['demo-key'],
});

/** @param {number} concurrency */
function listMessages(concurrency) {
  return paginate(
    {
      source: 'demo',
      strategy: pageNumberStrategy(),
      defaultPageSize: 20,
      // { data: [...], metadata: { currentPage, pageSize, totalCount, totalPages } }
      async fetchPage(cursor, { signal }) {
        const body = await http.getJson('/messages', { query: cursor, signal });
        return {
          records: body.data,
          info: { totalPages: body.metadata.totalPages },
          total: body.metadata.totalCount,
        };
      },
      mapRecord: (record) => ({
        ok: true,
        value: { id: record.id, text: record.content, createdAt: record.created_at },
      }),
      keyOf: (message) => message.id,
    },
    { concurrency },
  );
}

const out = createWriteStream(OUT);
for (const concurrency of [1, 8]) {
  const started = performance.now();
  let count = 0;
  for await (const message of listMessages(concurrency)) {
    if (concurrency === 8 && !out.write(`${JSON.stringify(message)}\n`)) await once(out, 'drain');
    count += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  console.error(`concurrency ${concurrency}: ${count} messages in ${seconds.toFixed(2)} s`);
}
out.end();
await once(out, 'finish');
server.close();
console.error(`wrote ${OUT}`);
