// iconv-lite, loaded the first time a file is not UTF-8: its tables take some 20 ms to load and
// decode with the first time, which a UTF-8 file (most of them) never needs.
import { createRequire } from 'node:module';

type Iconv = typeof import('iconv-lite');
let loaded: Iconv | undefined;

export function iconv(): Iconv {
  loaded ??= createRequire(import.meta.url)('iconv-lite') as Iconv;
  return loaded;
}
