// The bundled samples a user can load from the import screen: a CSV and the agent that goes with it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Sample {
  id: string;
  title: string;
  description: string;
  csv: string;
  agent: string;
}

/**
 * The bundled samples: resources/samples/index.json ([{ id, title, description, csv, agent }]) if
 * present, else every <id>.csv that has an <id>.agent.json (or an <id>/ folder with data.csv and
 * agent.json); title and description then come from the agent's name and an optional <id>.md.
 */
export function listSamples(dir: string): Sample[] {
  if (!existsSync(dir)) return [];
  const index = path.join(dir, 'index.json');
  if (existsSync(index)) {
    const raw = JSON.parse(readFileSync(index, 'utf8')) as unknown;
    const list = Array.isArray(raw) ? raw : Array.isArray((raw as { samples?: unknown }).samples) ? (raw as { samples: unknown[] }).samples : [];
    return list.flatMap((s): Sample[] => {
      const o = s as Record<string, unknown>;
      if (typeof o.id !== 'string' || typeof o.csv !== 'string' || typeof o.agent !== 'string') return [];
      return [
        {
          id: o.id,
          title: typeof o.title === 'string' ? o.title : o.id,
          description: typeof o.description === 'string' ? o.description : '',
          csv: path.resolve(dir, o.csv),
          agent: path.resolve(dir, o.agent),
        },
      ];
    });
  }
  const out: Sample[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    let csv: string | null = null;
    let agent: string | null = null;
    let id = '';
    if (entry.isFile() && entry.name.endsWith('.csv')) {
      id = entry.name.slice(0, -4);
      csv = path.join(dir, entry.name);
      agent = [`${id}.agent.json`, `${id}.json`].map((n) => path.join(dir, n)).find((f) => existsSync(f)) ?? null;
    } else if (entry.isDirectory()) {
      id = entry.name;
      const sub = path.join(dir, entry.name);
      const files = readdirSync(sub);
      const c = files.find((f) => f.endsWith('.csv'));
      const a = files.find((f) => /agent.*\.json$/i.test(f)) ?? files.find((f) => f.endsWith('.json'));
      if (c && a) {
        csv = path.join(sub, c);
        agent = path.join(sub, a);
      }
    }
    if (!csv || !agent) continue;
    let title = id;
    let description = '';
    try {
      const spec = JSON.parse(readFileSync(agent, 'utf8')) as { name?: unknown; description?: unknown };
      if (typeof spec.name === 'string') title = spec.name;
    } catch {
      // reported when loaded
    }
    const md = [path.join(dir, `${id}.md`), path.join(path.dirname(csv), 'README.md')].find((f) => existsSync(f));
    if (md) description = readFileSync(md, 'utf8').trim().split(/\n\s*\n/)[0].replace(/^#+\s*/, '').replace(/\s+/g, ' ');
    out.push({ id, title, description, csv, agent });
  }
  return out;
}
