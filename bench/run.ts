import { cpus } from 'node:os';
import { bundleSizeBenchmark } from './bundle-size.js';
import { driftBenchmark } from './drift.js';
import { hostileBodiesBenchmark } from './hostile-bodies.js';
import { latencyBenchmark } from './latency.js';
import { manyConversationsBenchmark } from './many-conversations.js';
import { memoryBenchmark } from './memory.js';
import { normalizeBenchmark } from './normalize.js';
import { syncBenchmark } from './sync.js';

const suites: Record<string, () => Promise<string>> = {
  // The micro-benchmark first, before the network suites leave garbage and warm JIT state behind.
  normalize: normalizeBenchmark,
  latency: latencyBenchmark,
  memory: memoryBenchmark,
  conversations: manyConversationsBenchmark,
  hostile: hostileBodiesBenchmark,
  drift: driftBenchmark,
  bundle: bundleSizeBenchmark,
  sync: syncBenchmark,
};

const only = process.argv.slice(2);
console.log(`## chat-history-kit benchmarks\n`);
console.log(
  `Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString().slice(0, 10)}\n`,
);
for (const [name, suite] of Object.entries(suites)) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(await suite());
}
