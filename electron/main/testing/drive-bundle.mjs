// Starts the bundled main process (out/main/index.js) against the stand-in Electron, makes a few
// calls the way the page would, prints a JSON report on stdout and quits the app.
// Usage: node --import ./register-fake-electron.mjs drive-bundle.mjs <out dir> <csv file>
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const outDir = path.resolve(process.argv[2]);
const csv = process.argv[3];
await import(pathToFileURL(path.join(outDir, 'main', 'index.js')).href);
const rec = globalThis.__fakeElectron;
for (let i = 0; i < 200 && !(rec.handlers.size && rec.windows.length); i++) await new Promise((r) => setTimeout(r, 25));
const invoke = rec.handlers.get('rowrunner:invoke');
const win = rec.windows[0];
const pageUrl = pathToFileURL(win.loadedFile).href;
const call = (name, req, url = pageUrl) => invoke({ senderFrame: { url, parent: null } }, name, req);

const report = { webPreferences: win.options.webPreferences, loadedFile: win.loadedFile, shown: win.shown };
report.info = await call('app:info', {});
report.foreign = await call('app:info', {}, 'https://evil.example/');
report.samples = await call('dataset:samples', {});
report.unchosen = await call('dataset:import', { source: { kind: 'path', path: csv } });
// What the preload sends when the page asks for the path of the file the user dropped.
rec.listeners.get('rowrunner:chosen-file')({ senderFrame: { url: pageUrl, parent: null } }, csv);
const ds = await call('dataset:import', { source: { kind: 'path', path: csv } });
report.imported = ds;
const agent = { name: 'a', model: 'gpt-4o-mini', prompt: 'Echo {{q}}' };
report.estimate = await call('run:estimate', { datasetId: ds.res?.id, agent, options: {}, endpoint: { kind: 'simulated' } });
const started = await call('run:start', { datasetId: ds.res?.id, agent, options: {}, endpoint: { kind: 'simulated' } });
report.started = started;
for (let i = 0; i < 400; i++) {
  const r = await call('run:get', { runId: started.res?.runId });
  report.run = r;
  if (r.ok && r.res.status === 'completed' && win.webContents.sent.some((a) => a[1] === 'run:finished')) break;
  await new Promise((res) => setTimeout(res, 25));
}
report.events = win.webContents.sent.map((args) => args[1]);
const headers = await new Promise((resolve) => rec.sessionHeaders({ responseHeaders: {} }, (x) => resolve(x.responseHeaders)));
report.csp = headers['Content-Security-Policy'];
report.permission = await new Promise((resolve) => rec.permissionHandler({}, 'media', resolve));
const navEvent = { prevented: false, preventDefault() { this.prevented = true; } };
win.webContents.emit('will-navigate', navEvent, 'https://evil.example/');
report.navigationPrevented = navEvent.prevented;
report.windowOpen = win.webContents.windowOpenHandler({ url: 'https://evil.example/' });
report.menu = rec.menu.template.map((m) => m.label ?? m.role);
process.stdout.write(`${JSON.stringify(report)}\n`);
rec.quitCalled = false;
(await import('./fake-electron.mjs')).app.quit();
for (let i = 0; i < 200 && !rec.quitCalled; i++) await new Promise((r) => setTimeout(r, 25));
// the second quit() call comes once the core has closed
for (let i = 0; i < 200; i++) await new Promise((r) => setTimeout(r, 10));
process.exit(0);
