// Syncs into a store from the built package, telling each progress event on a line of stdout,
// until it is done or killed. Run by crash.test.ts.
import {
  createChatsV1Source,
  createIntercomSource,
  createOkChatSource,
  syncHistory,
} from '../../dist/index.js';
import { openStore } from '../../dist/store/index.js';

const FACTORIES = {
  okchat: createOkChatSource,
  'chats-v1': createChatsV1Source,
  intercom: createIntercomSource,
};
const config = JSON.parse(process.argv[2]);
const sources = config.sources.map(({ id, options }) => FACTORIES[id](options));
const store = await openStore(config.store);
process.stdout.write('opened\n');
await syncHistory({
  sources,
  store,
  pageSize: config.pageSize,
  concurrency: 4,
  onProgress: (progress) => process.stdout.write(`${JSON.stringify(progress)}\n`),
});
await store.close();
process.stdout.write('done\n');
