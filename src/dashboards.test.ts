/**
 * Static checks of the provisioned dashboards: what Grafana and the plugin
 * need before any query runs. (The contract test in `tests/` sends each
 * panel's targets to the real backend.)
 */
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';

import { DEFAULT_QUERY, QUERY_TYPES, VARIABLE_OFS } from './types';

const ROOT = join(__dirname, '..');
const DS = { type: 'arenawatt-energy-datasource', uid: 'arenawatt' };

interface Panel {
  id: number;
  type: string;
  title: string;
  pluginVersion?: string;
  datasource?: { type: string; uid: string };
  targets?: Array<Record<string, unknown>>;
  fieldConfig?: { defaults?: Record<string, unknown>; overrides?: Array<{ matcher: { id: string; options: unknown }; properties: Array<{ id: string; value: unknown }> }> };
  options?: Record<string, unknown>;
  panels?: Panel[];
}

interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: {
    list: Array<{
      name: string;
      type: string;
      datasource?: unknown;
      query?: unknown;
      current?: unknown;
      multi?: boolean;
      includeAll?: boolean;
      allValue?: string;
    }>;
  };
}

const files = readdirSync(join(ROOT, 'dashboards')).filter((f) => f.endsWith('.json'));
const dashboards: Array<[string, Dashboard]> = files.map((f) => [
  f,
  JSON.parse(readFileSync(join(ROOT, 'dashboards', f), 'utf8')) as Dashboard,
]);

function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

function versionAtLeast(version: string, min: number[]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < min.length; i++) {
    if ((parts[i] ?? 0) !== min[i]) {
      return (parts[i] ?? 0) > min[i];
    }
  }
  return true;
}

/** Names of the variables a string references: $name, ${name}, ${name:format}, [[name]]. */
function referencedVariables(text: string): string[] {
  const names = [...text.matchAll(/\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)\]\]/g)].map((m) => m[1] ?? m[2] ?? m[3]);
  return names.filter((n) => !n.startsWith('__'));
}

function overrideValue(panel: Panel, field: string, property: string): unknown {
  const found = (panel.fieldConfig?.overrides ?? []).find(
    (o) => o.matcher.id === 'byName' && o.matcher.options === field && o.properties.some((p) => p.id === property)
  );
  return found?.properties.find((p) => p.id === property)?.value;
}

describe.each(dashboards)('dashboard %s', (file, dashboard) => {
  const panels = allPanels(dashboard);

  it('is listed in plugin.json', () => {
    const plugin = JSON.parse(readFileSync(join(ROOT, 'plugin.json'), 'utf8'));
    const paths = plugin.includes.filter((i: { type: string }) => i.type === 'dashboard').map((i: { path: string }) => i.path);
    expect(paths).toContain(`dashboards/${file}`);
  });

  it('gives every panel a pluginVersion of at least 11.1', () => {
    const bad = panels.filter((p) => p.type !== 'row' && !(p.pluginVersion && versionAtLeast(p.pluginVersion, [11, 1])));
    expect(bad.map((p) => `${p.id} ${p.title}: ${p.pluginVersion}`)).toEqual([]);
  });

  it('refers to the data source by its fixed uid everywhere', () => {
    const refs: unknown[] = [];
    for (const p of panels) {
      if (p.datasource) {
        refs.push(p.datasource);
      }
      for (const t of p.targets ?? []) {
        refs.push(t.datasource);
      }
    }
    for (const v of dashboard.templating.list.filter((v) => v.type === 'query')) {
      refs.push(v.datasource);
    }
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((r) => JSON.stringify(r) !== JSON.stringify(DS))).toEqual([]);
  });

  it('writes only keys of the query model in its targets, with known query types', () => {
    const known = new Set([...Object.keys(DEFAULT_QUERY), 'refId', 'datasource', 'hide']);
    const problems: string[] = [];
    for (const p of panels) {
      for (const t of p.targets ?? []) {
        for (const key of Object.keys(t).filter((k) => !known.has(k))) {
          problems.push(`panel ${p.id} target ${t.refId}: unknown key ${key}`);
        }
        if (!QUERY_TYPES.includes(t.queryType as never)) {
          problems.push(`panel ${p.id} target ${t.refId}: query type ${t.queryType}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('defines every variable it uses, and its query variables use the variable query type', () => {
    const defined = new Set(dashboard.templating.list.map((v) => v.name));
    const used = referencedVariables(JSON.stringify(dashboard.panels));
    expect(used.length).toBeGreaterThan(0);
    expect([...new Set(used)].filter((n) => !defined.has(n))).toEqual([]);
    for (const v of dashboard.templating.list.filter((v) => v.type === 'query')) {
      const query = v.query as { queryType?: string; of?: string };
      expect([v.name, query.queryType]).toEqual([v.name, 'variable']);
      expect(VARIABLE_OFS).toContain(query.of);
      expect(v.current).toBeDefined();
    }
  });

  it('gives energy fields their units: watth for Wh, massg for gCO2e', () => {
    for (const p of panels.filter((p) => p.targets?.length)) {
      const text = JSON.stringify(p);
      for (const [field, unit] of [
        ['wh_per_1k_tokens', 'watth'],
        ['gco2e_per_1k_tokens', 'massg'],
      ]) {
        if (text.includes(`"${field}"`)) {
          expect([p.title, field, overrideValue(p, field, 'unit')]).toEqual([p.title, field, unit]);
        }
      }
    }
  });
});

describe('dashboard Satisfaction vs energy', () => {
  const dashboard = dashboards.find(([f]) => f === 'satisfaction-energy.json')![1];
  const panels = allPanels(dashboard);
  const xy = panels.find((p) => p.type === 'xychart')!;

  it('has the variables the issue asks for', () => {
    expect(dashboard.templating.list.map((v) => v.name)).toEqual([
      'source',
      'category',
      'language',
      'country',
      'organization',
      'license',
      'architecture',
      'size',
      'model',
      'style',
      'methodology',
      'zone',
      'min_votes',
    ]);
  });

  it('sends the Style variable with every rating query, raw by default', () => {
    const style = dashboard.templating.list.find((v) => v.name === 'style') as { query?: string; current?: { value?: string } };
    expect(style.query).toBe('raw,controlled');
    expect(style.current?.value).toBe('raw');
    const rating = ['scatter', 'leaderboard', 'model', 'head-to-head', 'slice-scores'];
    const targets = panels.flatMap((p) => p.targets ?? []).filter((t) => rating.includes(String(t.queryType)));
    expect(targets.length).toBeGreaterThan(5);
    expect(targets.filter((t) => (t as Record<string, unknown>).style !== '$style')).toEqual([]);
  });

  it('maps the xychart: x = Wh (log scale), y = BT score, one colour per architecture, size = size class', () => {
    const series = xy.options as { mapping: string; series: Array<Record<string, any>> };
    expect(series.mapping).toBe('manual');
    const names = series.series.map((s) => s.name.fixed);
    expect(names).toEqual([
      'Dense',
      'MoE',
      'MatFormer',
      'Unknown architecture',
      'Pareto frontier',
      '${model:text} (selected)',
      'Raw score (before style control)',
    ]);
    series.series.forEach((s, i) => {
      expect(s.frame.matcher).toEqual({ id: 'byIndex', options: i });
      expect(s.x.matcher.options).toBe('wh_per_1k_tokens');
      // The last series draws every model at its raw score, so style control shows as a move.
      expect(s.y.matcher.options).toBe(i < 6 ? 'bt_score' : 'bt_score_raw');
      // A colour field would leave the legend swatch grey: each architecture is a series of its own colour.
      expect(s.color).toBeUndefined();
      expect(s.size?.matcher.options).toBe(i < 4 ? 'point_size' : undefined);
    });
    const colours = ['A', 'B', 'C', 'D', 'E', 'F', 'G'].map((ref) => {
      const found = (xy.fieldConfig?.overrides ?? []).find((o) => o.matcher.id === 'byFrameRefID' && o.matcher.options === ref);
      return (found?.properties.find((p) => p.id === 'color')?.value as { fixedColor: string }).fixedColor;
    });
    expect(new Set(colours).size).toBe(7);
    expect(overrideValue(xy, 'wh_per_1k_tokens', 'custom.scaleDistribution')).toEqual({ type: 'log', log: 10 });
  });

  it('offers the same graph on a linear energy axis, in a collapsed row', () => {
    const row = dashboard.panels.find((p) => p.type === 'row' && p.panels?.some((q) => q.type === 'xychart'));
    expect(row).toBeDefined();
    const linear = row!.panels!.find((q) => q.type === 'xychart')!;
    expect(overrideValue(linear, 'wh_per_1k_tokens', 'custom.scaleDistribution')).toEqual({ type: 'linear' });
    expect(linear.targets).toEqual(xy.targets);
    expect(linear.options).toEqual(xy.options);
  });

  it("asks the backend for each series' rows, so no transformation reorders the frames", () => {
    const targets = xy.targets!;
    expect(targets.map((t) => [t.refId, t.queryType, t.subset])).toEqual([
      ['A', 'scatter', 'dense'],
      ['B', 'scatter', 'moe'],
      ['C', 'scatter', 'matformer'],
      ['D', 'scatter', 'unknown'],
      ['E', 'scatter', 'pareto'],
      ['F', 'scatter', 'selected'],
      ['G', 'scatter', 'all'],
    ]);
    expect(targets.every((t) => JSON.stringify(t.selected) === '["$model"]')).toBe(true);
    const transformations = (xy as unknown as { transformations: Array<{ id: string; filter?: unknown }> }).transformations;
    // A transformation with a filter puts the frames it skips back as one block, which moves them.
    expect(transformations.filter((t) => t.filter !== undefined)).toEqual([]);
    expect(transformations.map((t) => t.id)).toEqual(['organize']);
  });

  it('shows model, CI, votes, gCO2e and methodology in the tooltip', () => {
    const organize = (xy as unknown as { transformations: Array<{ id: string; options: { excludeByName?: Record<string, boolean> } }> }).transformations.find(
      (t) => t.id === 'organize'
    )!;
    const hidden = organize.options.excludeByName ?? {};
    for (const field of ['display_name', 'bt_ci_low', 'bt_ci_high', 'votes', 'gco2e_per_1k_tokens', 'energy_methodology']) {
      expect([field, hidden[field] ?? false]).toEqual([field, false]);
    }
  });

  it('has stat panels for the selected model, a leaderboard and a bilingual reading guide', () => {
    const stats = panels.filter((p) => p.type === 'stat');
    expect(stats.length).toBeGreaterThanOrEqual(4);
    expect(stats.every((p) => p.targets?.[0].queryType === 'model' && p.targets?.[0].model === '$model')).toBe(true);
    // reduceOptions.fields is matched against display names, so it names each field as its override renames it.
    const shown = (field: string) =>
      stats.some((p) => {
        const pattern = String((p.options as { reduceOptions: { fields: string } }).reduceOptions.fields);
        const name = overrideValue(p, field, 'displayName');
        return typeof name === 'string' && new RegExp(pattern.slice(1, -1)).test(name);
      });
    for (const field of ['bt_score', 'bt_ci_low', 'bt_ci_high', 'rank', 'rank_low', 'rank_high', 'wh_per_1k_tokens', 'gco2e_per_1k_tokens']) {
      expect([field, shown(field)]).toEqual([field, true]);
    }
    expect(panels.some((p) => p.type === 'table' && p.targets?.[0].queryType === 'leaderboard')).toBe(true);
    const text = panels.find((p) => p.type === 'text')!;
    const content = (text.options as { content: string }).content;
    for (const phrase of ['Top left', 'En haut à gauche', 'Llama 3.1 405B', 'GLM 4.5', 'proprietary', 'propriétaires', '${methodology}']) {
      expect(content).toContain(phrase);
    }
  });
});

describe.each(dashboards)('slices on dashboard %s (issue #14)', (_file, dashboard) => {
  const SLICES: Array<[string, string, string]> = [
    ['category', 'categories', 'categories'],
    ['language', 'languages', 'languages'],
    ['country', 'countries', 'countries'],
  ];

  it.each(SLICES)('variable %s is multi-value, lists %s, and sends "*" (no slice filter) for All', (name, of) => {
    const variable = dashboard.templating.list.find((v) => v.name === name);
    expect(variable).toBeDefined();
    expect([variable!.multi, variable!.includeAll, variable!.allValue]).toEqual([true, true, '*']);
    expect((variable!.query as { of?: string }).of).toBe(of);
    expect(variable!.current).toEqual({ selected: true, text: ['All'], value: ['$__all'] });
  });

  it.each(SLICES)('every fitted target passes $%s as its %s filter', (name, _of, key) => {
    const fitted = allPanels(dashboard)
      .flatMap((p) => p.targets ?? [])
      .filter((t) => !['catalog', 'health', 'variable'].includes(String(t.queryType)));
    expect(fitted.length).toBeGreaterThan(0);
    const missing = fitted.filter((t) => JSON.stringify(t[key]) !== JSON.stringify([`$${name}`]));
    expect(missing.map((t) => `${t.refId} ${t.queryType}`)).toEqual([]);
  });
});

describe('Where each model wins (issue #14)', () => {
  const dashboard = dashboards.find(([f]) => f === 'satisfaction-energy.json')![1];
  const panel = allPanels(dashboard).find((p) => p.title.startsWith('Where ${model:text} wins'))!;

  it("asks for the chosen model's scores per category", () => {
    expect(panel).toBeDefined();
    expect(panel.targets).toHaveLength(1);
    expect(panel.targets![0]).toMatchObject({ queryType: 'slice-scores', of: 'categories', model: '$model' });
  });

  it('draws the score against overall as a bar coloured by its sign, best category first', () => {
    expect(overrideValue(panel, 'score_delta', 'custom.cellOptions')).toMatchObject({ type: 'gauge' });
    const steps = (overrideValue(panel, 'score_delta', 'thresholds') as { steps: Array<{ color: string; value: number | null }> }).steps;
    expect(steps).toEqual([
      { color: 'red', value: null },
      { color: 'green', value: 0 },
    ]);
    expect(panel.options?.sortBy).toEqual([{ displayName: overrideValue(panel, 'score_delta', 'displayName'), desc: true }]);
  });
});

describe('the leaderboard shows the rank change of a slice (issue #14)', () => {
  const dashboard = dashboards.find(([f]) => f === 'satisfaction-energy.json')![1];
  const leaderboard = allPanels(dashboard).find((p) => p.targets?.some((t) => t.queryType === 'leaderboard'))!;

  it('colours rank_delta: green up, red down', () => {
    const thresholds = overrideValue(leaderboard, 'rank_delta', 'thresholds') as { steps: Array<{ color: string; value: number | null }> };
    expect(thresholds).toBeDefined();
    const colours = thresholds.steps.map((s) => s.color);
    expect(colours[0]).toMatch(/red/);
    expect(colours[colours.length - 1]).toMatch(/green/);
  });
});

describe('supported Grafana versions (defect 6 of the render issue)', () => {
  const plugin = JSON.parse(readFileSync(join(ROOT, 'plugin.json'), 'utf8'));
  const minimum = String(plugin.dependencies.grafanaDependency).replace(/^>=\s*/, '');
  const xycharts = dashboards.flatMap(([file, d]) => allPanels(d).filter((p) => p.type === 'xychart').map((p) => [file, p] as const));

  it('requires the Grafana version from which the xychart applies the v2 options the dashboards use', () => {
    expect(xycharts.length).toBeGreaterThan(0);
    for (const [file, panel] of xycharts) {
      const options = panel.options ?? {};
      // v1 options (dims, seriesMapping) would be what 11.1–11.4 read without a feature toggle.
      expect([file, panel.id, 'dims' in options, 'seriesMapping' in options]).toEqual([file, panel.id, false, false]);
      expect([file, panel.id, options.mapping]).toEqual([file, panel.id, 'manual']);
    }
    expect(versionAtLeast(minimum, [11, 5])).toBe(true);
  });

  it('runs docker compose on a Grafana inside that range, without the 11.1–11.4 toggle', () => {
    const compose = readFileSync(join(ROOT, 'docker-compose.yaml'), 'utf8');
    const image = /image:\s*grafana\/grafana:(\d+\.\d+\.\d+)/.exec(compose);
    expect(image).not.toBeNull();
    expect(versionAtLeast(image![1], minimum.split('.').map(Number))).toBe(true);
    expect(compose).not.toMatch(/GF_FEATURE_TOGGLES_ENABLE:.*autoMigrateXYChartPanel/);
    expect(compose).not.toMatch(/11\.1 and 11\.2/);
  });
});
