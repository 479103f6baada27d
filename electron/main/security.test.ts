// Electron's security checklist, item by item, against the main process's own code (with stand-ins
// for Electron's objects): the window's webPreferences (context isolation, sandbox, no Node, web
// security, no webviews), the CSP on every response and in the page, no remote content, navigation,
// redirects and new windows denied (web links go to the user's browser), webviews refused, every
// permission request and check denied, all of it for every web contents the app ever makes.
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { App, Session, WebContents } from 'electron';
import { describe, expect, it } from 'vitest';
import { cspOfHtml, FALLBACK_CSP } from '../core/serve/csp.ts';
import { hardenApp, hardenContents, hardenSession, isExternalLink, secureWebPreferences } from './security.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

class FakeContents extends EventEmitter {
  windowOpenHandler?: (details: { url: string }) => { action: string };
  setWindowOpenHandler(fn: (details: { url: string }) => { action: string }) {
    this.windowOpenHandler = fn;
  }
  /** Emits an Electron-style event; true when a listener called preventDefault. */
  fire(name: string, ...args: unknown[]): boolean {
    let prevented = false;
    this.emit(name, { preventDefault: () => (prevented = true) }, ...args);
    return prevented;
  }
}

function harden(): { contents: FakeContents; opened: string[] } {
  const contents = new FakeContents();
  const opened: string[] = [];
  hardenContents(contents as unknown as WebContents, { openExternal: async (url: string) => void opened.push(url) });
  return { contents, opened };
}

const HOSTILE_URLS = [
  'https://evil.example/',
  'http://127.0.0.1:8080/',
  'file:///etc/passwd',
  'file:///opt/Rowrunner/resources/app.asar/out/renderer/index.html',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'about:blank',
  'chrome://settings',
  'smb://share/x',
  'ms-msdt:/id PCWDiagnostic',
  'not a url',
];

describe('the window', () => {
  it('isolates the page: context isolation, sandbox, no Node anywhere, web security, no insecure content, no webviews', () => {
    const prefs = secureWebPreferences('/app/out/preload/index.cjs');
    expect(prefs).toEqual({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      spellcheck: false,
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(prefs).not.toHaveProperty('partition');
  });

  it('is made with those preferences and loads only our page from disk', () => {
    const source = readFileSync(path.join(ROOT, 'electron', 'main', 'index.ts'), 'utf8');
    expect(source).toMatch(/webPreferences: secureWebPreferences\(preloadFile\)/);
    expect(source).not.toMatch(/\.loadURL\(/);
    expect(source).toMatch(/\.loadFile\(pageFile\)/);
  });
});

describe('navigation, redirects, new windows and webviews', () => {
  it('prevents every navigation; only http(s) links are handed to the browser', () => {
    const { contents, opened } = harden();
    for (const url of HOSTILE_URLS) expect(contents.fire('will-navigate', url), url).toBe(true);
    expect(opened).toEqual(['https://evil.example/', 'http://127.0.0.1:8080/']);
  });

  it('prevents every redirect', () => {
    const { contents, opened } = harden();
    for (const url of HOSTILE_URLS) expect(contents.fire('will-redirect', url), url).toBe(true);
    expect(opened).toEqual([]);
  });

  it('denies every window.open; only http(s) links are handed to the browser', () => {
    const { contents, opened } = harden();
    for (const url of HOSTILE_URLS) expect(contents.windowOpenHandler!({ url }), url).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://evil.example/', 'http://127.0.0.1:8080/']);
  });

  it('refuses to attach a webview, whatever it asks for', () => {
    const { contents } = harden();
    const prefs = { nodeIntegration: true, preload: '/tmp/evil.js' };
    expect(contents.fire('will-attach-webview', prefs, { src: 'https://evil.example/' })).toBe(true);
  });

  it('hardens every web contents the app makes, not only the first window', () => {
    const app = new EventEmitter();
    const opened: string[] = [];
    hardenApp(app as unknown as App, { openExternal: async (url: string) => void opened.push(url) });
    const made = [new FakeContents(), new FakeContents(), new FakeContents()];
    for (const c of made) app.emit('web-contents-created', {}, c);
    for (const c of made) {
      expect(c.fire('will-navigate', 'https://evil.example/')).toBe(true);
      expect(c.fire('will-attach-webview', {}, {})).toBe(true);
      expect(c.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    }
  });

  it('isExternalLink accepts http(s) only', () => {
    expect(HOSTILE_URLS.filter(isExternalLink)).toEqual(['https://evil.example/', 'http://127.0.0.1:8080/']);
  });
});

describe('the session', () => {
  function hardenedSession(csp = "default-src 'self'") {
    const got: {
      headers?: (details: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void;
      request?: (contents: unknown, permission: string, cb: (granted: boolean) => void, details?: unknown) => void;
      check?: (...args: unknown[]) => boolean;
      device?: (...args: unknown[]) => boolean;
    } = {};
    const session = {
      webRequest: { onHeadersReceived: (fn: typeof got.headers) => (got.headers = fn) },
      setPermissionRequestHandler: (fn: typeof got.request) => (got.request = fn),
      setPermissionCheckHandler: (fn: typeof got.check) => (got.check = fn),
      setDevicePermissionHandler: (fn: typeof got.device) => (got.device = fn),
    };
    hardenSession(session as unknown as Session, csp);
    return got;
  }

  const PERMISSIONS = [
    'media',
    'geolocation',
    'notifications',
    'midi',
    'midiSysex',
    'pointerLock',
    'fullscreen',
    'openExternal',
    'clipboard-read',
    'clipboard-sanitized-write',
    'display-capture',
    'mediaKeySystem',
    'idle-detection',
    'window-management',
    'hid',
    'serial',
    'usb',
    'fileSystem',
    'storage-access',
    'unknown',
  ];

  it('denies every permission request', async () => {
    const got = hardenedSession();
    for (const permission of PERMISSIONS) {
      const granted = await new Promise<boolean>((resolve) => got.request!({}, permission, resolve, { requestingUrl: 'file:///x' }));
      expect(granted, permission).toBe(false);
    }
  });

  it('answers every permission check and device request with no', () => {
    const got = hardenedSession();
    for (const permission of PERMISSIONS) expect(got.check!(null, permission, 'file://', {}), permission).toBe(false);
    expect(got.device!({ deviceType: 'usb', origin: 'file://' })).toBe(false);
  });

  it('puts our CSP on every response, next to what the response had', async () => {
    const csp = "default-src 'self'; script-src 'self'";
    const got = hardenedSession(csp);
    const responses: Array<Record<string, string[]> | undefined> = [undefined, {}, { 'content-type': ['text/html'] }, { 'Content-Security-Policy': ["default-src *; script-src 'unsafe-eval' *"] }];
    for (const responseHeaders of responses) {
      const headers = await new Promise<Record<string, string[]>>((resolve) => got.headers!({ responseHeaders }, (r) => resolve(r.responseHeaders)));
      expect(headers['Content-Security-Policy']).toEqual([csp]);
      if (responseHeaders && 'content-type' in responseHeaders) expect(headers['content-type']).toEqual(['text/html']);
    }
  });
});

describe('the content security policy, and no remote content', () => {
  const page = readFileSync(path.join(ROOT, 'renderer', 'index.html'), 'utf8');
  const csp = cspOfHtml(page)!;
  const directives = new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name, values]),
  );

  it('is in the page, the same as the fallback the main process would send', () => {
    expect(csp).toBeTruthy();
    expect(csp).toBe(FALLBACK_CSP);
  });

  it('allows scripts only from the app itself: no inline script, no eval, no remote origin', () => {
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-eval|wasm-unsafe-eval|strict-dynamic/);
  });

  it('names no remote origin in any directive: connections go to the app or a loopback WebSocket', () => {
    for (const [name, values] of directives) {
      for (const v of values) {
        expect(v, `${name} ${v}`).not.toMatch(/^https?:|^\*$|^https?:\/\/\*/);
        if (/^wss?:/.test(v)) expect(v, name).toMatch(/^ws:\/\/(127\.0\.0\.1|localhost):\*$/);
      }
    }
  });

  it('the page (and the built page, where built) loads nothing from the network', () => {
    const pages = [page];
    const built = path.join(ROOT, 'out', 'renderer', 'index.html');
    if (existsSync(built)) pages.push(readFileSync(built, 'utf8'));
    for (const html of pages) {
      for (const m of html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']*)["']/gi)) {
        expect(m[1], m[0]).not.toMatch(/^(?:https?:)?\/\//i);
      }
      expect(cspOfHtml(html)).toBe(csp);
    }
  });
});
