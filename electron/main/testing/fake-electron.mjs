// A stand-in for the 'electron' module, so the bundled main process can be started under plain Node
// (there is no Electron binary on every machine). It records what the main process asks of Electron
// and lets a test call the IPC handlers as the page would.
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';

export const recorded = { windows: [], handlers: new Map(), listeners: new Map(), menu: null, sessionHeaders: null, permissionHandler: null, quitCalled: false };
globalThis.__fakeElectron = recorded;

const appEvents = new EventEmitter();
export const app = {
  requestSingleInstanceLock: () => true,
  on: (name, fn) => (appEvents.on(name, fn), app),
  once: (name, fn) => (appEvents.once(name, fn), app),
  emit: (name, ...args) => appEvents.emit(name, ...args),
  whenReady: () => Promise.resolve(),
  getPath: (name) => path.join(process.env.FAKE_ELECTRON_HOME ?? os.tmpdir(), name === 'userData' ? 'Rowrunner' : name),
  getVersion: () => '0.0.0-test',
  setAboutPanelOptions: () => {},
  showAboutPanel: () => {},
  quit: () => {
    recorded.quitCalled = true;
    const e = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    appEvents.emit('will-quit', e);
    if (!e.defaultPrevented) appEvents.emit('quit');
  },
  exit: (code) => process.exit(code),
};

class FakeWebContents extends EventEmitter {
  sent = [];
  send(...args) { this.sent.push(args); }
  isDestroyed() { return false; }
  setWindowOpenHandler(fn) { this.windowOpenHandler = fn; }
  executeJavaScript() { return Promise.resolve(); }
}

export class BrowserWindow extends EventEmitter {
  static getAllWindows() { return recorded.windows; }
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new FakeWebContents();
    recorded.windows.push(this);
    appEvents.emit('web-contents-created', {}, this.webContents);
  }
  loadFile(file) { this.loadedFile = file; queueMicrotask(() => this.emit('ready-to-show')); return Promise.resolve(); }
  show() { this.shown = true; }
  isDestroyed() { return false; }
  isMinimized() { return false; }
  restore() {}
  focus() {}
}

export const ipcMain = {
  handle: (channel, fn) => recorded.handlers.set(channel, fn),
  removeHandler: (channel) => recorded.handlers.delete(channel),
  on: (channel, fn) => recorded.listeners.set(channel, fn),
  removeListener: (channel) => recorded.listeners.delete(channel),
};

export const session = {
  defaultSession: {
    webRequest: { onHeadersReceived: (fn) => { recorded.sessionHeaders = fn; } },
    setPermissionRequestHandler: (fn) => { recorded.permissionHandler = fn; },
    setPermissionCheckHandler: () => {},
    setDevicePermissionHandler: () => {},
  },
};

export const Menu = {
  buildFromTemplate: (template) => ({ template }),
  setApplicationMenu: (menu) => { recorded.menu = menu; },
};

export const dialog = {
  showSaveDialog: async () => ({ canceled: true }),
  showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
  showErrorBox: (title, text) => { recorded.errorBox = `${title}: ${text}`; },
};

export const shell = { openExternal: async () => {}, openPath: async () => '' };
export const nativeTheme = { shouldUseDarkColors: false };
export const safeStorage = {
  isEncryptionAvailable: () => true,
  encryptString: (s) => Buffer.from(s, 'utf8').reverse(),
  decryptString: (b) => Buffer.from(b).reverse().toString('utf8'),
};

export default { app, BrowserWindow, ipcMain, session, Menu, dialog, shell, nativeTheme, safeStorage };
