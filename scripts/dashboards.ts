/**
 * npm run dashboards [-- --check]
 * Writes every query of scripts/dashboards/panel-sql.ts into dashboards/json/specs-ab.json
 * (panels, annotations, template variables). --check only reports whether the JSON is current.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PANEL_SQL } from './dashboards/panel-sql';
import { CliError, parseCli, runCli } from './lib/cli';

export const DASHBOARD_FILE = path.resolve(__dirname, '../dashboards/json/specs-ab.json');

interface Target { rawSql: string }
interface Dashboard {
  panels: { title: string; targets?: Target[] }[];
  annotations: { list: { name: string; target?: Target }[] };
  templating: { list: { name: string; query?: string }[] };
}

/** The dashboard with every query taken from PANEL_SQL; throws when a query has no entry. */
export function applyPanelSql(d: Dashboard): Dashboard {
  const sql = (key: string): string => {
    const q = PANEL_SQL[key];
    if (q === undefined) throw new CliError(`no SQL for "${key}" in scripts/dashboards/panel-sql.ts`);
    return q;
  };
  for (const p of d.panels) for (const t of p.targets ?? []) t.rawSql = sql(p.title);
  for (const a of d.annotations.list) if (a.target) a.target.rawSql = sql(`annotation:${a.name}`);
  for (const v of d.templating.list) if (v.query) v.query = sql(`variable:${v.name}`);
  return d;
}

const spec = { name: 'dashboards', usage: '[--check]\n  --check  exit 1 when the dashboard JSON differs from panel-sql.ts', options: { check: { type: 'boolean' } } } as const;

if (require.main === module) {
  runCli(spec.name, () => {
    const { values } = parseCli(spec);
    const current = readFileSync(DASHBOARD_FILE, 'utf8');
    const next = `${JSON.stringify(applyPanelSql(JSON.parse(current) as Dashboard), null, 2)}\n`;
    if (values.check) {
      if (next !== current) throw new Error(`${DASHBOARD_FILE} is out of date: run npm run dashboards`);
      process.stdout.write('dashboards are current\n');
      return;
    }
    writeFileSync(DASHBOARD_FILE, next);
    process.stdout.write(`wrote ${DASHBOARD_FILE}\n`);
  });
}
