import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createBrotliCompress, createGzip } from 'node:zlib';
import { assert, ratio, table } from './support.js';

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const MIB = 1024 * 1024;

/** Spaces forever after an opening `{"data":[`, 64 KiB at a time (or `limit` bytes in all). */
function spaces(limit = Number.POSITIVE_INFINITY): Readable {
  let sent = 0;
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  return new Readable({
    read() {
      if (sent === 0) this.push('{"data":[');
      if (sent >= limit) {
        this.push(']}');
        this.push(null);
        return;
      }
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

/** `count` records as one page, generated as the socket drains. */
function records(count: number, record: (index: number) => string): Readable {
  let index = 0;
  return new Readable({
    read() {
      if (index === 0) this.push('{"metadata":{"totalPages":1},"data":[');
      let batch = '';
      for (let stop = Math.min(count, index + 2000); index < stop; index++) {
        batch += `${index === 0 ? '' : ','}${record(index)}`;
      }
      this.push(batch);
      if (index >= count) {
        this.push(']}');
        this.push(null);
      }
    },
  });
}

interface Case {
  name: string;
  headers?: Record<string, string>;
  body: () => Readable;
}

const realRecord = (index: number) =>
  `{"id":"c-${index}","chatbot_id":"bot","platform":"web","state":"in_progress","created_at":"2025-03-05T04:25:58.059835+00:00"}`;

const CASES: Case[] = [
  { name: 'baseline: an ordinary page of 50 conversations', body: () => records(50, realRecord) },
  { name: '200 MB body', body: () => spaces(200 * MIB) },
  {
    name: 'gzip bomb (endless, ~1000:1)',
    headers: { 'content-encoding': 'gzip' },
    body: () => spaces().pipe(createGzip({ level: 9 })),
  },
  {
    name: 'brotli bomb (1 GB inflated)',
    headers: { 'content-encoding': 'br' },
    body: () => spaces(1024 * MIB).pipe(createBrotliCompress()),
  },
  { name: 'endless 200 stream', body: () => spaces() },
  { name: '1,000,000 tiny records for limit=50', body: () => records(1_000_000, () => '{}') },
  {
    name: '11,000,000 tiny records (31 MiB) for limit=50',
    body: () => records(11_000_000, () => '{}'),
  },
  { name: '1,000,000 real records for limit=50', body: () => records(1_000_000, realRecord) },
];

interface Outcome {
  peakRss: number;
  result: string;
  sent: number;
}

/** Lists conversations from `baseURL` in a fresh process and reports its peak RSS. */
async function listInChild(baseURL: string): Promise<{ peakRss: number; result: string }> {
  const script = `
    const { createOkChatSource } = await import(${JSON.stringify(DIST)});
    const source = createOkChatSource({ apiKey: 'bench-key-0123456789', chatbotId: 'bot', baseURL: ${JSON.stringify(baseURL)}, retry: false, timeout: 120000 });
    let result;
    try {
      const items = await source.listConversations({ pageSize: 50 }).toArray();
      result = 'ok: ' + items.length + ' conversations';
    } catch (error) {
      result = error.code + ': ' + error.message.replace(/^.*?: /, '').slice(0, 70);
    }
    console.log(JSON.stringify({ result, peakRss: process.resourceUsage().maxRSS * 1024 }));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number];
  assert(code === 0, `the listing process exited with ${code}`);
  return JSON.parse(stdout) as { peakRss: number; result: string };
}

/** 6. Hostile bodies: peak RSS of a process listing from a vendor that sends each of them. */
export async function hostileBodiesBenchmark(): Promise<string> {
  const sent = new Map<string, number>();
  const server = createServer((request, response: ServerResponse) => {
    const index = Number((request.url ?? '').split('/')[1]);
    const hostile = CASES[index];
    if (hostile === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', ...hostile.headers });
    const body = hostile.body();
    let bytes = 0;
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    body.on('end', () => sent.set(hostile.name, bytes));
    response.on('close', () => {
      sent.set(hostile.name, bytes);
      body.destroy();
    });
    body.pipe(response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    const outcomes: Outcome[] = [];
    for (const [index, hostile] of CASES.entries()) {
      const run = await listInChild(`http://127.0.0.1:${port}/${index}`);
      outcomes.push({ ...run, sent: sent.get(hostile.name) ?? 0 });
    }
    const baseline = outcomes[0]?.peakRss ?? 1;
    const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;
    for (const outcome of outcomes.slice(1)) {
      assert(!outcome.result.startsWith('ok'), `a hostile body was accepted: ${outcome.result}`);
    }
    return table(
      `6. Hostile bodies: peak RSS of a fresh process listing one page (default maxResponseBytes 32 MiB); baseline ${mib(baseline)}`,
      ['vendor sends', 'bytes on the wire', 'outcome', 'peak RSS', 'vs baseline'],
      CASES.map((hostile, index) => {
        const outcome = outcomes[index];
        return [
          hostile.name,
          mib(outcome?.sent ?? 0),
          outcome?.result ?? '',
          mib(outcome?.peakRss ?? 0),
          ratio((outcome?.peakRss ?? 0) / baseline),
        ];
      }),
    );
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
