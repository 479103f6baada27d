// The run worker as one bundled file, for the CLI. Run from source, the worker loads some 380
// modules (the openai SDK and undici are most of them) before it can send its first request, and on
// two cores that took a third of a second beside the main thread's own start; one bundled file loads
// in about half the time. `npm run build:cli` writes the bundle into out/cli/ with a manifest of every
// file that went into it; the CLI uses it only while each of those files is unchanged (same size and
// modification time), and otherwise runs the worker from source, as before the build.
//
//   node electron/core/runs/worker-bundle.ts [--out DIR]     builds it (DIR defaults to out/cli)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { RUN_WORKER_URL } from './worker-start.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const require = createRequire(import.meta.url);
const DEFAULT_BUNDLE_DIR = path.join(ROOT, 'out', 'cli');
const BUNDLE = 'run-worker.js';
const MANIFEST = 'run-worker.json';

interface Manifest {
  /** The worker's source entry, relative to the project root. */
  entry: string;
  /** Every file bundled, relative to the project root: [size, mtimeMs]. */
  inputs: Record<string, [number, number]>;
}

const entryOf = (source: URL): string => path.relative(ROOT, new URL(source).pathname);

/** The bundle in `dir` if it was built from `source` and none of its inputs changed since. */
export function freshBundle(dir: string = DEFAULT_BUNDLE_DIR, source: URL = RUN_WORKER_URL): URL | undefined {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  if (manifest.entry !== entryOf(source) || !fs.existsSync(path.join(dir, BUNDLE))) return undefined;
  for (const [file, [size, mtimeMs]] of Object.entries(manifest.inputs)) {
    const st = fs.statSync(path.join(ROOT, file), { throwIfNoEntry: false });
    if (!st || st.size !== size || st.mtimeMs !== mtimeMs) return undefined;
  }
  return pathToFileURL(path.join(dir, BUNDLE));
}

let chosen: URL | undefined;
/** The run worker the CLI starts: the fresh bundle, else the source. Decided once a process. */
export function cliWorkerUrl(): URL {
  chosen ??= freshBundle() ?? RUN_WORKER_URL;
  return chosen;
}

/** Bundles the run worker (npm packages included, except better-sqlite3 and its native addon) into `dir`. */
export async function buildWorkerBundle(dir: string = DEFAULT_BUNDLE_DIR, source: URL = RUN_WORKER_URL): Promise<{ file: string; inputs: number }> {
  // esbuild is a development dependency: an install without it runs the worker from source.
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [entryOf(source)],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    outfile: path.join(dir, BUNDLE),
    // The native addon stays a file of its own, found from wherever the bundle is.
    plugins: [
      {
        name: 'native-addon',
        setup(b) {
          b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: relativeImport(dir, require.resolve('better-sqlite3')), external: true }));
        },
      },
    ],
    // undici is CommonJS and requires Node's built-ins; a bundle in ESM gets its require from here.
    banner: { js: "import { createRequire as __rowrunnerRequire } from 'node:module'; const require = __rowrunnerRequire(import.meta.url);" },
    legalComments: 'none',
    // V8 keeps a script's source for as long as its functions live, two bytes a character if any one
    // is not ASCII (a few comments in the packages): 10 MB of the worker's heap. Without comments and
    // indentation the source is 1.9 MB of ASCII. Names stay, so stack traces still read.
    minifyWhitespace: true,
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  const inputs: Manifest['inputs'] = {};
  for (const file of Object.keys(result.metafile.inputs)) {
    const st = fs.statSync(path.join(ROOT, file));
    inputs[file] = [st.size, st.mtimeMs];
  }
  fs.mkdirSync(dir, { recursive: true });
  // The bundle first, then its manifest: a manifest never vouches for a bundle it was not made with.
  fs.rmSync(path.join(dir, MANIFEST), { force: true });
  const out = result.outputFiles.find((f) => f.path.endsWith(BUNDLE));
  if (!out) throw new Error('esbuild wrote no bundle');
  writeAtomically(path.join(dir, BUNDLE), out.contents);
  writeAtomically(path.join(dir, MANIFEST), JSON.stringify({ entry: entryOf(source), inputs } satisfies Manifest));
  return { file: path.join(dir, BUNDLE), inputs: Object.keys(inputs).length };
}

function relativeImport(fromDir: string, file: string): string {
  const rel = path.relative(fromDir, file).split(path.sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

function writeAtomically(file: string, data: string | Uint8Array): void {
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, data);
  fs.renameSync(partial, file);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const i = process.argv.indexOf('--out');
  const dir = i > 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]) : DEFAULT_BUNDLE_DIR;
  const { file, inputs } = await buildWorkerBundle(dir);
  console.log(`built ${path.relative(process.cwd(), file)} from ${inputs} files`);
}
