import path from 'node:path';
import { expect, it } from 'vitest';
import { defaultDbPath, userDataDir } from './paths.ts';

it('resolves the per-user data folder the desktop app uses, per platform', () => {
  expect(userDataDir({}, 'linux', '/home/ann')).toBe('/home/ann/.config/Rowrunner');
  expect(userDataDir({ XDG_CONFIG_HOME: '/cfg' }, 'linux', '/home/ann')).toBe('/cfg/Rowrunner');
  expect(userDataDir({ XDG_CONFIG_HOME: 'relative' }, 'linux', '/home/ann')).toBe('/home/ann/.config/Rowrunner');
  expect(userDataDir({}, 'darwin', '/Users/ann')).toBe('/Users/ann/Library/Application Support/Rowrunner');
  expect(userDataDir({ APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ann')).toBe(
    'C:\\Users\\ann\\AppData\\Roaming\\Rowrunner',
  );
});

it('takes ROWRUNNER_DB first, else rowrunner.db in the data folder', () => {
  expect(defaultDbPath({ ROWRUNNER_DB: '/tmp/x.db' }, 'linux', '/home/ann')).toBe(path.resolve('/tmp/x.db'));
  expect(defaultDbPath({}, 'linux', '/home/ann')).toBe('/home/ann/.config/Rowrunner/rowrunner.db');
  expect(defaultDbPath({ APPDATA: 'C:\\AD' }, 'win32', 'C:\\Users\\ann')).toBe('C:\\AD\\Rowrunner\\rowrunner.db');
});
