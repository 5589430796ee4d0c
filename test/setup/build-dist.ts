import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Builds `dist/` once before the suites that exercise the published package. */
export default function buildDist(): void {
  const require = createRequire(import.meta.url);
  const tsupPackage = require.resolve('tsup/package.json');
  const cli = join(dirname(tsupPackage), 'dist', 'cli-default.js');
  execFileSync(process.execPath, [cli, '--silent'], { stdio: 'inherit' });
}
