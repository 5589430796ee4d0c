import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectWithPackedPackage, tsc } from '../helpers/packed.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Names a code block may use without declaring them: the reader's own values. */
const DECLARED = `import type { ChatHistorySource, Message, PageCursor } from 'chat-history-kit';

declare global {
  const source: ChatHistorySource;
  const okchat: ChatHistorySource;
  const id: string;
  const someRecord: unknown;
  const baseURL: string;
  const key: string;
  function save(...values: unknown[]): Promise<void>;
  function checkpoint(cursor: PageCursor | null): void;
  function store(items: readonly unknown[]): Promise<void>;
  function saveCheckpoint(cursor: PageCursor | null): Promise<void>;
  function loadCheckpoint(): Promise<PageCursor | undefined>;
  function mapAcmeMessage(wire: never, raw: unknown, context: never): Message;
}
`;

/** Every `ts` / `typescript` block of README.md and docs/, with where it is. */
function codeBlocks(): { name: string; code: string }[] {
  const files = ['README.md'];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  walk('docs');
  const blocks: { name: string; code: string }[] = [];
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const match of text.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```/gm)) {
      const line = text.slice(0, match.index).split('\n').length;
      blocks.push({ name: `${file}:${line}`, code: match[1] ?? '' });
    }
  }
  return blocks;
}

const BLOCKS = codeBlocks();

/**
 * Every TypeScript block of the docs, each as its own module, compiled under `strict` against
 * the package as `npm pack` makes it, with moduleResolution node16 and bundler.
 */
describe('every TypeScript block in README.md and docs/ compiles', () => {
  let work: string;

  beforeAll(async () => {
    // The packed package, installed as an app would have it.
    work = await projectWithPackedPackage('chk-docs-');
    writeFileSync(join(work, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(join(work, 'declared.d.ts'), DECLARED);
    mkdirSync(join(work, 'blocks'));
    BLOCKS.forEach((block, index) => {
      writeFileSync(
        join(work, 'blocks', `block-${String(index).padStart(2, '0')}.ts`),
        `// ${block.name}\n${block.code}\nexport {};\n`,
      );
    });
  }, 120_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('finds the blocks', () => {
    expect(BLOCKS.length).toBeGreaterThan(20);
  });

  it.each([
    ['node16', ['--module', 'node16', '--moduleResolution', 'node16']],
    ['bundler', ['--module', 'esnext', '--moduleResolution', 'bundler']],
  ])(
    'under strict with moduleResolution %s',
    async (_, flags) => {
      const files = readdirSync(join(work, 'blocks')).map((file) => join('blocks', file));
      const printed = await tsc(work, [
        '--noEmit',
        '--strict',
        '--target',
        'es2022',
        // The DOM library, as msw's own types need it.
        '--lib',
        'es2022,dom',
        '--types',
        'node',
        ...flags,
        'declared.d.ts',
        ...files,
      ]);
      // Name each failure by the block's place in the docs.
      const output = printed.replace(
        /blocks\/block-(\d+)\.ts\((\d+),(\d+)\)/g,
        (_match, index: string, line: string) =>
          `${BLOCKS[Number(index)]?.name ?? '?'} (+${Number(line) - 1})`,
      );
      expect(output).toBe('');
    },
    120_000,
  );
});
