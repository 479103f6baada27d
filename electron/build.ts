// Builds the Electron main process and its preload with esbuild:
//   out/main/index.js      the main process with the core bundled in (ESM); npm packages stay external
//                          and load from node_modules, so better-sqlite3's .node and exceljs work as is
//   out/main/<worker>.js   every worker thread the core starts, as its own entry
//   out/preload/index.cjs  the preload (CommonJS, as a sandboxed preload must be)
// The core is TypeScript that Node 24 runs directly; Electron's Node may not strip types, so the app
// never loads a .ts file at run time. A worker the core starts as `new URL('./x.ts', import.meta.url)`
// is found by a scan, built as out/main/x.js, and the URL rewritten to match.
// Usage: node electron/build.ts [--watch]
import { build, context, type BuildOptions, type Plugin } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const coreDir = path.join(root, 'electron', 'core');
const WORKER_URL = /new URL\(\s*(['"])(\.{1,2}\/[^'"]+?)\.ts\1\s*,\s*import\.meta\.url\s*\)/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

/** The worker entries referenced from the core: absolute source path → output name (no extension). */
export function findWorkers(dir: string = coreDir): Map<string, string> {
  const workers = new Map<string, string>();
  const taken = new Set<string>(['index']);
  for (const file of sourceFiles(dir)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(WORKER_URL)) {
      const target = path.resolve(path.dirname(file), `${m[2]}.ts`);
      if (workers.has(target)) continue;
      let name = path.basename(target, '.ts');
      if (taken.has(name)) name = `${path.basename(path.dirname(target))}-${name}`;
      taken.add(name);
      workers.set(target, name);
    }
  }
  return workers;
}

function rewriteWorkerUrls(workers: Map<string, string>): Plugin {
  return {
    name: 'worker-urls',
    setup(b) {
      b.onLoad({ filter: /electron[\\/]core[\\/].*\.ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const contents = text.replace(WORKER_URL, (whole, quote: string, rel: string) => {
          const name = workers.get(path.resolve(path.dirname(args.path), `${rel}.ts`));
          return name ? `new URL(${quote}./${name}.js${quote}, import.meta.url)` : whole;
        });
        return { contents, loader: 'ts' };
      });
    },
  };
}

export function buildOptions(): BuildOptions[] {
  const workers = findWorkers();
  const entryPoints: Record<string, string> = { index: path.join(root, 'electron', 'main', 'index.ts') };
  for (const [file, name] of workers) entryPoints[name] = file;
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    target: 'node22',
    sourcemap: 'linked',
    logLevel: 'warning',
    external: ['electron'],
    legalComments: 'none',
  };
  return [
    {
      ...common,
      entryPoints,
      outdir: path.join(root, 'out', 'main'),
      format: 'esm',
      // Shared code and lazily imported modules (export, the tokenizer) become chunks, so the app
      // starts without loading them. Chunks sit next to the entries, so every import.meta.url-relative
      // path (the worker URLs, the package root) means the same wherever esbuild puts the code.
      splitting: true,
      chunkNames: '[name]-[hash]',
      packages: 'external',
      plugins: [rewriteWorkerUrls(workers)],
    },
    {
      ...common,
      entryPoints: [path.join(root, 'electron', 'preload', 'index.ts')],
      outfile: path.join(root, 'out', 'preload', 'index.cjs'),
      format: 'cjs',
    },
  ];
}

async function run(): Promise<void> {
  const watch = process.argv.includes('--watch');
  const all = buildOptions();
  if (watch) {
    for (const options of all) await (await context(options)).watch();
    console.log('watching electron/main, electron/preload and the core…');
    return;
  }
  await Promise.all(all.map((options) => build(options)));
  const workers = [...findWorkers().values()];
  console.log(`built out/main/index.js${workers.map((w) => `, out/main/${w}.js`).join('')} and out/preload/index.cjs`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
