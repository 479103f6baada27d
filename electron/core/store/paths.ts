// Where Rowrunner keeps its data. The desktop app and the CLI resolve the same folder, so a run started
// from a terminal shows up in the app. It matches Electron's app.getPath('userData') for an app named
// "Rowrunner", without importing Electron.
import os from 'node:os';
import path from 'node:path';

export const APP_DIR_NAME = 'Rowrunner';
export const DB_FILE_NAME = 'rowrunner.db';

type Env = Readonly<Record<string, string | undefined>>;

/** The per-user data folder: ~/.config/Rowrunner, ~/Library/Application Support/Rowrunner, %APPDATA%\Rowrunner. */
export function userDataDir(
  env: Env = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (platform === 'win32') {
    const appData = env.APPDATA || path.win32.join(home, 'AppData', 'Roaming');
    return path.win32.join(appData, APP_DIR_NAME);
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', APP_DIR_NAME);
  const config = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return path.join(config, APP_DIR_NAME);
}

/** The database the CLI and the app use unless told otherwise: $ROWRUNNER_DB, else the data folder's. */
export function defaultDbPath(
  env: Env = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (env.ROWRUNNER_DB) return path.resolve(env.ROWRUNNER_DB);
  const dir = userDataDir(env, platform, home);
  return platform === 'win32' ? path.win32.join(dir, DB_FILE_NAME) : path.join(dir, DB_FILE_NAME);
}
