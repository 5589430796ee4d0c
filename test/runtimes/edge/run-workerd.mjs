// Runs a bundled module Worker in workerd through miniflare (which needs Node 22 or later, so the
// tests run this file on Node 24), without nodejs_compat, and prints its answer to one request.
import { readFile } from 'node:fs/promises';
import { Miniflare } from 'miniflare';

const [bundle, url] = process.argv.slice(2);
const mf = new Miniflare({
  modules: true,
  script: await readFile(bundle, 'utf8'),
  compatibilityDate: '2025-09-01',
  compatibilityFlags: [],
});
try {
  const response = await mf.dispatchFetch(url);
  console.log(JSON.stringify({ status: response.status, body: await response.json() }));
} finally {
  await mf.dispose();
}
