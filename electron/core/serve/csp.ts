// The Content-Security-Policy of the renderer page, read from its own <meta> tag so the served header
// and the page can never disagree. frame-ancestors is added because only a header can carry it.
import { readFileSync } from 'node:fs';

/** Used when the page has no CSP meta tag (it always should). */
export const FALLBACK_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; form-action 'none'";

export function cspOfHtml(html: string): string | null {
  for (const tag of html.match(/<meta\b[^>]*>/gi) ?? []) {
    if (!/http-equiv\s*=\s*["']?content-security-policy["']?/i.test(tag)) continue;
    const m = /content\s*=\s*"([^"]*)"|content\s*=\s*'([^']*)'/i.exec(tag);
    const value = (m?.[1] ?? m?.[2] ?? '').replace(/&quot;/g, '"').replace(/&#39;|&apos;/g, "'").replace(/&amp;/g, '&').trim();
    if (value) return value;
  }
  return null;
}

/** The page's CSP from an index.html file, plus frame-ancestors 'none'. */
export function pageCsp(indexHtmlPath: string): string {
  let csp: string | null = null;
  try {
    csp = cspOfHtml(readFileSync(indexHtmlPath, 'utf8'));
  } catch {
    // not built yet: the fallback is the same policy
  }
  return withFrameAncestors(csp ?? FALLBACK_CSP);
}

export function withFrameAncestors(csp: string): string {
  return /frame-ancestors/i.test(csp) ? csp : `${csp.replace(/;\s*$/, '')}; frame-ancestors 'none'`;
}
