// rowrunner --help
import { EXIT } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { USAGE } from '../usage.ts';

export function help(io: CliIo): number {
  io.stdout.write(USAGE);
  return EXIT.ok;
}
