// Served mode: the URL `rowrunner serve` prints carries the token. Once the server has set its cookie,
// the token leaves the address bar, so that a copied link, a bookmark or a screen share does not show it.
import { isElectron } from '../api.ts';

export async function dropTokenFromAddress(): Promise<void> {
  if (isElectron) return;
  const url = new URL(window.location.href);
  if (!url.searchParams.has('token')) return;
  // The cookie is HttpOnly: ask the server whether a request without the token gets through.
  const res = await fetch('/', { method: 'HEAD', credentials: 'same-origin', cache: 'no-store' }).catch(() => null);
  if (!res?.ok) return;
  url.searchParams.delete('token');
  history.replaceState(history.state, '', `${url.pathname}${url.search}${window.location.hash}`);
}
