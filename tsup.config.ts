import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The library and its test kit, for ESM and CommonJS consumers.
    entry: {
      index: 'src/index.ts',
      provider: 'src/provider.ts',
      'interop/index': 'src/interop/index.ts',
      'store/index': 'src/store/index.ts',
      'testing/index': 'src/testing/index.ts',
      'testing/msw': 'src/testing/msw.ts',
    },
    format: ['esm', 'cjs'],
    target: 'node20',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: false,
    treeshake: true,
    // ESM-only and tiny: bundled, so the CommonJS build works on every Node 20.
    noExternal: ['p-limit', 'yocto-queue'],
    // The database drivers load only when a store of theirs is opened.
    external: ['@duckdb/node-api', 'pg'],
  },
  {
    // The command-line tool: ESM only, never imported.
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    // The entry stays tiny (signal handlers first); the tool loads after, as its own chunk.
    splitting: true,
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    clean: false,
    banner: { js: '#!/usr/bin/env node' },
    noExternal: ['p-limit', 'yocto-queue'],
    external: ['@duckdb/node-api', 'pg'],
  },
]);
