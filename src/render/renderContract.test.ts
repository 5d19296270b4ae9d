/**
 * The render contract: every panel of every provisioned dashboard, with the
 * frames the real `gpx_arenawatt` returns for its targets, run through
 * Grafana's own frontend code (see `grafanaRender.ts`), for the variables'
 * defaults and for one other value of each variable. The assertions are
 * about what a person sees: which rows each xychart series draws, whether
 * its points can be drawn and told apart, whether each stat shows a value,
 * the table columns, and the panel titles.
 *
 * The frames come from the current build (`cargo build --all-targets`), not
 * from snapshots. `ARENAWATT_DASHBOARDS_DIR` points the test at another
 * folder of dashboards (to show that older ones fail).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DataFrame, Field, FieldType, dateMath, getFieldDisplayName } from '@grafana/data';
import { toDataQueryResponse } from '@grafana/runtime';

import { DataSource } from '../datasource';
import { instanceSettings as settings } from '../test/instanceSettings';
import { Bridge, REPO_ROOT, TimeRangeMs, startBridge } from '../test/pluginBridge';
import { FakeTemplateSrv } from '../test/templateSrv';
import {
  AnnotationView,
  Panel,
  annotationEvents,
  colourCategories,
  queryPanel,
  renderFrames,
  statFields,
  statValues,
  tableColumns,
  theme,
  timeSeriesProblems,
  xySeries,
} from './grafanaRender';

jest.setTimeout(180_000);

const DASHBOARDS_DIR = process.env.ARENAWATT_DASHBOARDS_DIR ?? join(REPO_ROOT, 'dashboards');

interface VariableModel {
  name: string;
  type: string;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
  query?: unknown;
  current?: { text?: unknown; value?: unknown };
}

interface AnnotationModel {
  name: string;
  enable?: boolean;
  builtIn?: number;
  datasource?: { type?: string; uid?: string };
  target?: Record<string, unknown>;
}

interface Dashboard {
  title: string;
  time?: { from: string; to: string };
  panels: Panel[];
  templating: { list: VariableModel[] };
  annotations?: { list: AnnotationModel[] };
}

/** The events one of a dashboard's annotation queries puts on its time series, in one scenario. */
interface RenderedAnnotations {
  dashboard: string;
  scenario: Scenario;
  name: string;
  range: TimeRangeMs;
  events: AnnotationView[];
  errors: string[];
}

type Value = string | string[];
interface Option {
  text: string;
  value: string;
}
interface Scenario {
  label: string;
  values: Record<string, Value>;
  texts: Record<string, Value>;
}


function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** A dashboard time (`now-6M`, an ISO date), read by Grafana's own date math. */
function dashboardTime(text: string, roundUp: boolean): number {
  const parsed = dateMath.parse(text, roundUp);
  if (!parsed || !parsed.isValid()) {
    throw new Error(`unreadable dashboard time ${text}`);
  }
  return parsed.valueOf();
}

function asArray(v: unknown): string[] {
  if (Array.isArray(v)) {
    return v.map(String);
  }
  return v === undefined || v === null ? [] : [String(v)];
}

/** A query variable's options, from the plugin; a custom variable's from its list. */
async function variableOptions(bridge: Bridge, variable: VariableModel): Promise<Option[]> {
  if (variable.type === 'custom') {
    return String(variable.query ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => ({ text: s, value: s }));
  }
  if (variable.type !== 'query') {
    return [];
  }
  const query = { refId: 'variable', ...(variable.query as Record<string, unknown>) };
  const answer = await bridge.query([query]);
  const frames = toDataQueryResponse({ data: answer } as never, [query as never]).data as DataFrame[];
  const frame = frames[0];
  const text = frame?.fields.find((f) => f.name === 'text')?.values ?? [];
  const value = frame?.fields.find((f) => f.name === 'value')?.values ?? [];
  return value.map((v, i) => ({ value: String(v), text: String(text[i] ?? v) }));
}

/** The defaults (as Grafana loads the dashboard), then one scenario per variable with another value. */
async function scenarios(bridge: Bridge, dashboard: Dashboard): Promise<Scenario[]> {
  const base: Scenario = { label: 'defaults', values: {}, texts: {} };
  const alternatives: Array<[VariableModel, Option[]]> = [];
  for (const variable of dashboard.templating.list) {
    const options = await variableOptions(bridge, variable);
    const current = asArray(variable.current?.value);
    if (current.includes('$__all') && variable.allValue !== undefined) {
      // Grafana sends a custom "All" value as it is, unformatted.
      base.values[variable.name] = variable.allValue;
      base.texts[variable.name] = 'All';
    } else if (current.includes('$__all')) {
      base.values[variable.name] = options.map((o) => o.value);
      base.texts[variable.name] = 'All';
    } else {
      const chosen = current.length > 0 ? current : options.slice(0, 1).map((o) => o.value);
      const texts = chosen.map((c) => options.find((o) => o.value === c)?.text ?? c);
      base.values[variable.name] = variable.multi ? chosen : (chosen[0] ?? '');
      base.texts[variable.name] = variable.multi ? texts : (texts[0] ?? '');
    }
    alternatives.push([variable, options]);
  }
  const out = [base];
  for (const [variable, options] of alternatives) {
    const current = asArray(base.values[variable.name]);
    // The graph shows open models only, by design (proprietary ones have no
    // disclosed size, so no energy): a licence filter of "proprietary" empties it.
    const others = options.filter(
      (o) => !(current.length === 1 && current[0] === o.value) && !(variable.name === 'license' && o.value === 'proprietary')
    );
    // The second option when there is one: the first is often an edge (e.g. "0").
    const other = others[Math.min(1, others.length - 1)];
    if (!other) {
      continue;
    }
    out.push({
      label: `${variable.name}=${other.value}`,
      values: { ...base.values, [variable.name]: variable.multi ? [other.value] : other.value },
      texts: { ...base.texts, [variable.name]: variable.multi ? [other.text] : other.text },
    });
  }
  return out;
}

/** One panel rendered in one scenario. */
interface Rendered {
  dashboard: string;
  scenario: Scenario;
  panel: Panel;
  title: string;
  raw: DataFrame[];
  frames: DataFrame[];
  errors: string[];
  /** xychart: the plain scatter of the panel's first target, every row. */
  truth?: ScatterRow[];
}

interface ScatterRow {
  name: string;
  architecture: string;
  pareto: boolean;
  selected: boolean;
  wh: number;
}

function scatterRows(frame: DataFrame | undefined): ScatterRow[] {
  if (!frame) {
    return [];
  }
  const col = (name: string) => frame.fields.find((f) => f.name === name)?.values ?? [];
  const names = col('display_name');
  return names.map((name, i) => ({
    name: String(name),
    architecture: String(col('architecture')[i]),
    pareto: Boolean(col('pareto')[i]),
    selected: Boolean(col('selected')[i]),
    wh: Number(col('wh_per_1k_tokens')[i]),
  }));
}

const rendered: Rendered[] = [];
const annotated: RenderedAnnotations[] = [];
let bridge: Bridge;

function dashboards(): Array<[string, Dashboard]> {
  return readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, JSON.parse(readFileSync(join(DASHBOARDS_DIR, f), 'utf8')) as Dashboard]);
}

beforeAll(async () => {
  bridge = await startBridge();
  for (const [file, dashboard] of dashboards()) {
    const range: TimeRangeMs = {
      from: dashboardTime(dashboard.time?.from ?? 'now-6h', false),
      to: dashboardTime(dashboard.time?.to ?? 'now', true),
    };
    for (const scenario of await scenarios(bridge, dashboard)) {
      const templateSrv = new FakeTemplateSrv(scenario.values, scenario.texts);
      const dataSource = new DataSource(settings, templateSrv);
      const replace = (text: string) => templateSrv.replace(text);
      // Annotation queries run as Grafana runs them: the target, with the
      // variables applied, over the dashboard's range.
      for (const annotation of dashboard.annotations?.list ?? []) {
        if (annotation.builtIn || annotation.enable === false || annotation.datasource?.type !== settings.type) {
          continue;
        }
        const target = dataSource.applyTemplateVariables({ refId: 'Anno', ...annotation.target } as never, {});
        const answer = await bridge.query([target as unknown as Record<string, unknown>], range);
        const response = toDataQueryResponse({ data: answer } as never, [target as never]);
        annotated.push({
          dashboard: file,
          scenario,
          name: annotation.name,
          range,
          events: annotationEvents(response.data as DataFrame[]),
          errors: (response.errors ?? []).map((e) => `${e.refId}: ${e.message}`),
        });
      }
      for (const panel of allPanels(dashboard.panels)) {
        if (!panel.targets || panel.targets.length === 0) {
          continue;
        }
        const { frames: raw, errors } = await queryPanel(bridge, dataSource, panel, range);
        const frames = await renderFrames(panel, raw, replace as never);
        const entry: Rendered = { dashboard: file, scenario, panel, title: replace(panel.title), raw, frames, errors };
        if (panel.type === 'xychart') {
          const { subset: _subset, ...plain } = dataSource.applyTemplateVariables(
            { ...panel.targets[0], refId: 'truth' },
            {}
          ) as unknown as Record<string, unknown>;
          const answer = await bridge.query([plain], range);
          const truth = toDataQueryResponse({ data: answer } as never, [plain as never]).data as DataFrame[];
          entry.truth = scatterRows(truth[0]);
        }
        rendered.push(entry);
      }
    }
  }
});

afterAll(async () => {
  await bridge?.close();
});

/** The fields whose raw name a stat's pattern names, with the display name Grafana matches instead. */
function renamed(r: Rendered, pattern: string): string {
  const body = /^\/(.*)\/$/.exec(pattern)?.[1] ?? pattern;
  const re = new RegExp(body);
  return r.frames
    .flatMap((frame) => frame.fields.filter((f) => re.test(f.name)).map((f) => `${f.name} is shown as "${getFieldDisplayName(f, frame, r.frames)}"`))
    .join(', ');
}

function where(r: Rendered): string {
  return `${r.dashboard} / panel ${r.panel.id} "${r.title}" / ${r.scenario.label}`;
}

function ofType(type: string): Rendered[] {
  return rendered.filter((r) => r.panel.type === type);
}

/** Fails with every problem found, each naming where it is and what a person sees. */
function expectNone(problems: string[]) {
  if (problems.length > 0) {
    throw new Error(`${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
  }
}

/** The rows a series named `name` should draw, from the full scatter. */
function expectedRows(name: string, truth: ScatterRow[]): ScatterRow[] | undefined {
  const lower = name.toLowerCase();
  if (lower.includes('pareto')) {
    return truth.filter((r) => r.pareto).sort((a, b) => a.wh - b.wh);
  }
  if (lower.includes('selected')) {
    return truth.filter((r) => r.selected);
  }
  if (lower === 'models' || lower.startsWith('raw score')) {
    return truth;
  }
  const architecture = ['dense', 'moe', 'matformer', 'unknown'].find((a) => lower.startsWith(a));
  return architecture ? truth.filter((r) => r.architecture === architecture) : undefined;
}

describe('render contract: what a Grafana user sees', () => {
  it('renders every panel of every provisioned dashboard in several scenarios, without query errors', () => {
    expect(rendered.length).toBeGreaterThan(20);
    expect(new Set(rendered.map((r) => r.dashboard)).size).toBe(dashboards().length);
    expectNone(rendered.flatMap((r) => r.errors.map((e) => `${where(r)}: query error ${e}`)));
  });

  it('defect 1: every xychart series binds the frame it is named for', () => {
    const problems: string[] = [];
    const panels = ofType('xychart');
    expect(panels.length).toBeGreaterThan(0);
    for (const r of panels) {
      for (const series of xySeries(r.panel, r.frames)) {
        problems.push(...series.problems.map((p) => `${where(r)}: series "${series.name}": ${p}`));
        const expected = expectedRows(series.name, r.truth ?? []);
        if (!expected) {
          problems.push(`${where(r)}: series "${series.name}" names no set of rows this test knows`);
          continue;
        }
        const drawn = series.models;
        const wanted = expected.map((e) => e.name);
        const sameSet = drawn.length === wanted.length && wanted.every((w) => drawn.includes(w));
        if (!sameSet) {
          problems.push(
            `${where(r)}: series "${series.name}" draws ${drawn.length} rows of frame ${series.frameIndex} (refId ${series.refId}) [${drawn.slice(0, 4).join(', ')}${drawn.length > 4 ? ', …' : ''}], but should draw the ${wanted.length} ${series.name.toLowerCase()} rows [${wanted.slice(0, 4).join(', ')}${wanted.length > 4 ? ', …' : ''}]`
          );
        } else if (series.name.toLowerCase().includes('pareto') && drawn.join('|') !== wanted.join('|')) {
          problems.push(`${where(r)}: the Pareto line is not drawn cheapest first: ${drawn.join(', ')}`);
        }
      }
    }
    expectNone(problems);
  });

  it('defect 2: every stat panel shows a value', () => {
    const problems: string[] = [];
    const panels = ofType('stat');
    expect(panels.length).toBeGreaterThan(0);
    for (const r of panels) {
      const replace = (t: string) => new FakeTemplateSrv(r.scenario.values, r.scenario.texts).replace(t);
      const values = statValues(r.panel, r.frames, replace as never);
      const noValue = r.panel.fieldConfig?.defaults?.noValue ?? 'No data';
      const fields = statFields(r.panel, r.frames);
      const hasData = fields.some((f) => f.values.some((v) => v !== null && v !== undefined));
      const shown = values.filter((v) => v.display.text !== noValue && v.display.text !== 'No data');
      if (fields.length === 0) {
        problems.push(`${where(r)}: shows only "${noValue}": reduceOptions.fields ${r.panel.options?.reduceOptions?.fields} matches no field's display name (${renamed(r, String(r.panel.options?.reduceOptions?.fields ?? ''))})`);
      } else if (hasData && shown.length === 0) {
        problems.push(`${where(r)}: its fields hold values but it shows only "${noValue}"`);
      }
      for (const v of values) {
        if (/NaN|undefined/.test(`${v.display.prefix ?? ''}${v.display.text}${v.display.suffix ?? ''}`)) {
          problems.push(`${where(r)}: "${v.display.title}" shows NaN (text ${JSON.stringify(v.display.text)}, suffix ${JSON.stringify(v.display.suffix ?? '')})`);
        }
      }
    }
    expectNone(problems);
  });

  it('defect 3: xychart points stay visible: sizes vary, are never null, and every diameter is a number', () => {
    const problems: string[] = [];
    for (const r of ofType('xychart')) {
      for (const series of xySeries(r.panel, r.frames)) {
        if (series.sizeField) {
          const values = series.sizeField.values as Array<number | null>;
          if (values.some((v) => v === null || v === undefined || !Number.isFinite(v))) {
            problems.push(`${where(r)}: series "${series.name}" has a null size, so its points are mis-sized`);
          }
          if (values.length > 0 && Math.min(...(values as number[])) === Math.max(...(values as number[]))) {
            problems.push(`${where(r)}: series "${series.name}": every size is ${values[0]}, so the panel's size range is zero`);
          }
        }
        const bad = series.diameters.filter((d) => !Number.isFinite(d) || d <= 0).length;
        if (bad > 0) {
          problems.push(`${where(r)}: series "${series.name}": ${bad} of ${series.rows} points have no drawable diameter: nothing is drawn or can be hovered`);
        }
      }
    }
    expectNone(problems);
  });

  it('defect 4: the xychart has a colour key that names the architectures it draws', () => {
    const problems: string[] = [];
    for (const r of ofType('xychart')) {
      const series = xySeries(r.panel, r.frames);
      for (const s of series) {
        if (s.colorField) {
          const { unmapped } = colourCategories(s.colorField);
          problems.push(
            `${where(r)}: series "${s.name}" is coloured by field ${s.colorField.name}; its legend swatch is grey, so nothing names the colours${unmapped.length ? ` (and ${unmapped.length} values map to no category)` : ''}`
          );
        }
      }
      for (const architecture of new Set((r.truth ?? []).map((t) => t.architecture))) {
        const named = series.filter((s) => s.name.toLowerCase().startsWith(architecture) && s.legendColor);
        if (named.length !== 1) {
          problems.push(`${where(r)}: no legend entry with a colour names architecture ${architecture}`);
        }
      }
      const colours = series.filter((s) => s.rows > 0 && s.legendColor?.startsWith('palette') === false).map((s) => s.legendColor);
      if (new Set(colours).size !== colours.length) {
        problems.push(`${where(r)}: two series share a legend colour: ${colours.join(', ')}`);
      }
    }
    expectNone(problems);
  });

  it("defect 5: titles show the model's name, not its id", () => {
    const problems: string[] = [];
    for (const r of rendered) {
      if (!/\$\{?model\b/.test(r.panel.title)) {
        continue;
      }
      const id = String(r.scenario.values.model);
      const text = String(r.scenario.texts.model);
      if (!r.title.includes(text) || (id !== text && r.title.includes(id))) {
        problems.push(`${where(r)}: the title reads "${r.title}"; the model is ${text}`);
      }
    }
    expectNone(problems);
  });

  it('no panel is empty on the demo data', () => {
    // Stat panels are checked by what they show (a count of nothing is "0").
    const problems = rendered
      .filter((r) => r.panel.type !== 'stat' && r.frames.every((f) => f.length === 0))
      .map((r) => `${where(r)}: every frame is empty`);
    expectNone(problems);
  });

  it('tables keep the columns their organize step leaves, with rows', () => {
    const problems: string[] = [];
    const panels = ofType('table');
    expect(panels.length).toBeGreaterThan(0);
    for (const r of panels) {
      const organize = r.panel.transformations?.find((t) => t.id === 'organize');
      const excluded = Object.entries(organize?.options?.excludeByName ?? {})
        .filter(([, v]) => v)
        .map(([k]) => k);
      tableColumns(r.frames).forEach((columns, i) => {
        if (columns.length < 2) {
          problems.push(`${where(r)}: frame ${i} shows ${columns.length} column(s): ${columns.join(', ')}`);
        }
        const raw = r.frames[i].fields.map((f) => f.name);
        const leaked = excluded.filter((e) => raw.includes(e));
        if (leaked.length) {
          problems.push(`${where(r)}: organize should hide ${leaked.join(', ')}`);
        }
      });
    }
    expectNone(problems);
  });

  it('every time series panel gets a time field and numbers', () => {
    const problems: string[] = [];
    const panels = ofType('timeseries');
    expect(panels.length).toBeGreaterThan(0);
    for (const r of panels) {
      problems.push(...timeSeriesProblems(r.frames).map((p) => `${where(r)}: ${p}`));
      for (const frame of r.frames) {
        for (const field of frame.fields.filter((f) => f.type === FieldType.string)) {
          problems.push(`${where(r)}: string field ${field.name} in a time series`);
        }
      }
    }
    expectNone(problems);
  });

  it('slices (issue #14): a rank change or score against overall is green when up, red when down, and shown only in a slice', () => {
    const green = theme.visualization.getColorByName('green');
    const red = theme.visualization.getColorByName('red');
    const problems: string[] = [];
    let coloured = 0;
    for (const r of ofType('table')) {
      for (const frame of r.frames) {
        for (const field of frame.fields.filter((f: Field) => f.name === 'rank_delta' || f.name === 'score_delta')) {
          const sliced = ['category', 'language', 'country'].some((v) => r.scenario.values[v] !== undefined && r.scenario.values[v] !== '*');
          field.values.forEach((value: number | null, row: number) => {
            if (value === null || value === undefined) {
              return;
            }
            const perSlice = r.panel.targets?.some((t) => t.queryType === 'slice-scores');
            if (field.name === 'rank_delta' && !sliced && !perSlice) {
              problems.push(`${where(r)}: row ${row} has a rank change (${value}) without a slice filter`);
            }
            const color = field.display!(value).color;
            const want = value > 0 ? green : value < 0 ? red : undefined;
            if (want && color !== want) {
              problems.push(`${where(r)}: ${field.name} ${value} (row ${row}) is drawn ${color}, not ${value > 0 ? 'green' : 'red'}`);
            }
            coloured += want ? 1 : 0;
          });
        }
      }
    }
    expect(coloured).toBeGreaterThan(0);
    expectNone(problems);
  });

  it('the leaderboard shows each rated model\'s score class (1 best, at most 8), coloured by class, never improving down the ranking', () => {
    const classColours = ['dark-green', 'green', 'semi-dark-green', 'light-green', 'yellow', 'light-orange', 'orange', 'red'].map((c) =>
      theme.visualization.getColorByName(c)
    );
    const problems: string[] = [];
    let shown = 0;
    for (const r of ofType('table')) {
      for (const frame of r.frames) {
        const tier = frame.fields.find((f: Field) => f.name === 'tier');
        const rank = frame.fields.find((f: Field) => f.name === 'rank');
        const score = frame.fields.find((f: Field) => f.name === 'bt_score');
        if (!tier || !rank || !score) {
          continue;
        }
        if (getFieldDisplayName(tier, frame, r.frames) !== 'Class') {
          problems.push(`${where(r)}: the class column is titled "${getFieldDisplayName(tier, frame, r.frames)}"`);
        }
        type Ranked = { t: number | null; rank: number; scored: boolean };
        const byRank: Ranked[] = tier.values
          .map((t: number | null, row: number) => ({ t, rank: Number(rank.values[row]), scored: score.values[row] !== null }))
          .filter((x: Ranked) => x.scored)
          .sort((a: Ranked, b: Ranked) => a.rank - b.rank);
        byRank.forEach((x, i) => {
          if (x.t === null || x.t < 1 || x.t > 8) {
            problems.push(`${where(r)}: the model ranked ${x.rank} has class ${x.t}`);
            return;
          }
          shown += 1;
          const color = tier.display!(x.t).color;
          if (color !== classColours[x.t - 1]) {
            problems.push(`${where(r)}: class ${x.t} is drawn ${color}, not ${classColours[x.t - 1]}`);
          }
          const before = i > 0 ? byRank[i - 1].t : null;
          if (before !== null && x.t < before) {
            problems.push(`${where(r)}: class ${x.t} at rank ${x.rank} comes after class ${before}`);
          }
        });
      }
    }
    expect(shown).toBeGreaterThan(0);
    expectNone(problems);
  });

  it('the leaderboard shows each model\'s energy class A–F in its colour, and none where energy is null', () => {
    const colours: Record<string, string> = { A: 'dark-green', B: 'green', C: 'yellow', D: 'orange', E: 'red', F: 'dark-red' };
    const problems: string[] = [];
    let shown = 0;
    for (const r of ofType('table')) {
      for (const frame of r.frames) {
        const cls = frame.fields.find((f: Field) => f.name === 'energy_class');
        const wh = frame.fields.find((f: Field) => f.name === 'wh_per_1k_tokens');
        if (!cls || !wh) {
          continue;
        }
        cls.values.forEach((value: string | null, row: number) => {
          const energy = wh.values[row] as number | null;
          if (energy === null || energy === undefined) {
            if (value !== null && value !== undefined) {
              problems.push(`${where(r)}: row ${row} has class ${value} without energy`);
            }
            return;
          }
          const perMillion = energy * 1000;
          const want = perMillion < 100 ? 'A' : perMillion < 300 ? 'B' : perMillion < 1000 ? 'C' : perMillion < 3000 ? 'D' : perMillion < 10000 ? 'E' : 'F';
          const seen = cls.display!(value);
          if (seen.text !== want || seen.color !== theme.visualization.getColorByName(colours[want])) {
            problems.push(`${where(r)}: ${perMillion} Wh per 1M tokens is shown as class ${seen.text} in ${seen.color}, not ${want} in ${colours[want]}`);
          }
          shown += 1;
        });
      }
    }
    expect(shown).toBeGreaterThan(0);
    expectNone(problems);
  });

  it('head-to-head: each pair shows its battles from both sides, the diagonal and unplayed pairs stay empty, and the shares are coloured', () => {
    const problems: string[] = [];
    let pairs = 0;
    const panels = ofType('table').filter((p) => p.panel.targets?.some((t) => t.queryType === 'head-to-head'));
    expect(panels.length).toBeGreaterThan(0);
    for (const r of panels) {
      expect(r.errors).toEqual([]);
      // Pairs are matched on the raw frame (the organize step hides the ids);
      // titles and colours are read from what the table shows.
      r.raw.forEach((frame, k) => {
        const shown = r.frames[k];
        const field = (name: string) => frame.fields.find((f: Field) => f.name === name);
        const [a, b, battles, winsA, winsB] = ['model_a', 'model_b', 'battles', 'wins_a', 'wins_b'].map(field);
        const share = shown?.fields.find((f: Field) => f.name === 'win_fraction_a');
        if (!a || !b || !battles || !winsA || !winsB || !share) {
          problems.push(`${where(r)}: a head-to-head field is missing`);
          return;
        }
        if (getFieldDisplayName(share, shown, r.frames) !== "A's share of decisive battles") {
          problems.push(`${where(r)}: the win fraction is titled "${getFieldDisplayName(share, shown, r.frames)}"`);
        }
        const row = new Map<string, number>();
        a.values.forEach((m: string, i: number) => row.set(`${m}|${b.values[i]}`, i));
        a.values.forEach((ma: string, i: number) => {
          const mb = b.values[i] as string;
          if (ma === mb) {
            if (battles.values[i] !== null || share.values[i] !== null) {
              problems.push(`${where(r)}: ${ma} against itself shows ${battles.values[i]} battles`);
            }
            return;
          }
          const j = row.get(`${mb}|${ma}`);
          if (j === undefined || battles.values[j] !== battles.values[i] || winsA.values[j] !== winsB.values[i]) {
            problems.push(`${where(r)}: ${ma} vs ${mb} does not mirror ${mb} vs ${ma}`);
          }
          if (battles.values[i] === 0 && share.values[i] !== null) {
            problems.push(`${where(r)}: ${ma} and ${mb} never met but show a share`);
          }
          if (share.values[i] !== null) {
            const color = share.display!(share.values[i]).color;
            if (!color || color === theme.visualization.getColorByName('text')) {
              problems.push(`${where(r)}: the share of ${ma} vs ${mb} is not coloured`);
            }
            pairs += 1;
          }
        });
      });
    }
    expect(pairs).toBeGreaterThan(0);
    expectNone(problems);
  });

  it("slices (issue #14): 'Where each model wins' lists the chosen model's categories, each with its score against overall", () => {
    const problems: string[] = [];
    const panels = rendered.filter((r) => r.panel.targets?.some((t) => t.queryType === 'slice-scores'));
    expect(panels.length).toBeGreaterThan(0);
    for (const r of panels) {
      const frame = r.frames[0];
      const col = (name: string) => frame?.fields.find((f: Field) => f.name === name);
      const model = String(r.scenario.values.model);
      // The model column is hidden (organize): read it from the frame as the plugin sent it.
      const sent = r.raw[0]?.fields.find((f: Field) => f.name === 'model');
      const models = new Set((sent?.values ?? []).map(String));
      if (models.size !== 1 || !models.has(model)) {
        problems.push(`${where(r)}: shows models ${[...models].join(', ')}, not only ${model}`);
      }
      const slices = (col('slice')?.values ?? []).map(String);
      if (new Set(slices).size !== slices.length) {
        problems.push(`${where(r)}: a category appears twice: ${slices.join(', ')}`);
      }
      const title = col('slice') ? getFieldDisplayName(col('slice')!, frame, r.frames) : '';
      if (title !== 'Category') {
        problems.push(`${where(r)}: the slice column is titled "${title}"`);
      }
      const delta = col('score_delta');
      const score = col('bt_score');
      const overall = col('overall_score');
      slices.forEach((slice, i) => {
        const d = delta?.values[i];
        if (typeof d !== 'number' || Math.abs(d - (score!.values[i] - overall!.values[i])) > 1e-6) {
          problems.push(`${where(r)}: ${slice}: score vs overall ${d} is not its score minus its overall score`);
        }
      });
    }
    const defaults = panels.find((r) => r.scenario.label === 'defaults');
    expect(defaults?.frames[0]?.length).toBeGreaterThanOrEqual(4);
    expectNone(problems);
  });

  it("annotations (issue #16): the Trends and Regressions dashboards mark every import of the demo's data, within their range", () => {
    const problems: string[] = [];
    const withMarks = new Set(annotated.map((a) => a.dashboard));
    for (const wanted of ['trends.json', 'regressions.json']) {
      if (dashboards().some(([file]) => file === wanted) && !withMarks.has(wanted)) {
        problems.push(`${wanted}: no annotation query of this data source`);
      }
    }
    let imports = 0;
    for (const a of annotated) {
      const at = `${a.dashboard} / annotation "${a.name}" / ${a.scenario.label}`;
      problems.push(...a.errors.map((e) => `${at}: query error ${e}`));
      const sources = a.scenario.values.source;
      const oneSource = typeof sources === 'string' && sources !== '$__all' ? sources : Array.isArray(sources) && sources.length === 1 ? sources[0] : undefined;
      const marked = a.events.filter((e) => e.tags?.includes('import'));
      // The demo store holds two imports, one per source: the real arena
      // pair counts and the simulated votes.
      const expected = oneSource === undefined ? 2 : 1;
      if (marked.length !== expected) {
        problems.push(`${at}: ${marked.length} import marks (${marked.map((e) => e.title).join('; ')}), expected ${expected}`);
      }
      for (const e of a.events) {
        if (e.time === undefined || !Number.isFinite(e.time) || e.time < a.range.from || e.time > a.range.to + 86_400_000) {
          problems.push(`${at}: event "${e.title}" at ${e.time} lies outside the dashboard range ${a.range.from}–${a.range.to}`);
        }
        if (!e.text || !/votes? added to /.test(e.text)) {
          problems.push(`${at}: event "${e.title}" says "${e.text}", not how many votes were added to which source`);
        }
        if (oneSource !== undefined && !e.tags?.includes(oneSource)) {
          problems.push(`${at}: event "${e.title}" (tags ${e.tags?.join(',')}) is not about source ${oneSource}`);
        }
      }
      imports += marked.length;
    }
    expect(imports).toBeGreaterThan(0);
    expectNone(problems);
  });

  it("voters' reasons (issue #16): the chosen model's bars are its seven reasons, each its count over its judged answers, praise green and faults red", () => {
    const green = theme.visualization.getColorByName('green');
    const red = theme.visualization.getColorByName('red');
    const positive = ['useful', 'creative', 'clear_formatting', 'complete'];
    const problems: string[] = [];
    const panels = rendered.filter((r) => r.panel.type === 'bargauge' && r.panel.targets?.some((t) => t.queryType === 'preferences'));
    expect(panels.length).toBeGreaterThan(0);
    let bars = 0;
    for (const r of panels) {
      const raw = r.raw[0];
      const col = (name: string) => raw?.fields.find((f: Field) => f.name === name)?.values ?? [];
      const models = col('model').map(String);
      if (models.length !== 1 || models[0] !== String(r.scenario.values.model)) {
        problems.push(`${where(r)}: the query answers models [${models.join(', ')}], not only ${r.scenario.values.model}`);
        continue;
      }
      const judged = Number(col('judged')[0]);
      const replace = (t: string) => new FakeTemplateSrv(r.scenario.values, r.scenario.texts).replace(t);
      const values = statValues(r.panel, r.frames, replace as never);
      if (values.length !== 7) {
        problems.push(`${where(r)}: shows ${values.length} bars (${values.map((v) => v.display.title).join(', ')}), not the 7 reasons`);
      }
      for (const v of values) {
        // The bar's field, as the panel read it (stat reduction matches display names).
        const shown = v.view?.dataFrame.fields[v.colIndex ?? -1];
        const name = (shown?.name ?? '').replace(/_rate$/, '');
        const field = raw.fields.find((f: Field) => f.name === `${name}_rate`);
        const count = Number(col(name)[0]);
        const expected = count / judged;
        if (!field || Math.abs(Number(v.display.numeric) - expected) > 1e-12) {
          problems.push(`${where(r)}: bar "${v.display.title}" shows ${v.display.numeric}, not ${count}/${judged}`);
        }
        if (!/%$/.test(v.display.suffix ?? v.display.text)) {
          problems.push(`${where(r)}: bar "${v.display.title}" reads "${v.display.text}${v.display.suffix ?? ''}", not a percentage`);
        }
        const want = positive.includes(name) ? green : red;
        if (v.display.color !== want) {
          problems.push(`${where(r)}: bar "${v.display.title}" is drawn ${v.display.color}, not ${positive.includes(name) ? 'green' : 'red'}`);
        }
        if (/_/.test(v.display.title ?? '')) {
          problems.push(`${where(r)}: a bar is titled "${v.display.title}" (a raw field name)`);
        }
        bars += 1;
      }
    }
    expect(bars).toBeGreaterThan(0);
    expectNone(problems);
  });

  it('style control (issue #15): with Style = controlled each model moves from its grey raw point to its controlled one; with raw they coincide', () => {
    const problems: string[] = [];
    let moved = 0;
    let checked = 0;
    for (const r of ofType('xychart')) {
      const series = xySeries(r.panel, r.frames);
      const raw = series.find((s) => s.name.toLowerCase().startsWith('raw score'));
      if (!raw) {
        problems.push(`${where(r)}: no raw-score series`);
        continue;
      }
      const controlled = r.scenario.values.style === 'controlled';
      const rawAt = new Map<string, number>();
      raw.models.forEach((m, i) => rawAt.set(m, Number(raw.y?.values[i])));
      for (const s of series.filter((x) => ['dense', 'moe', 'matformer', 'unknown'].some((a) => x.name.toLowerCase().startsWith(a)))) {
        const names = s.frame?.fields.find((f) => f.name === 'display_name')?.values ?? [];
        const both = s.frame?.fields.find((f) => f.name === 'bt_score_controlled')?.values ?? [];
        s.models.forEach((m, i) => {
          const y = Number(s.y?.values[i]);
          const before = rawAt.get(m);
          if (before === undefined || !Number.isFinite(before)) {
            problems.push(`${where(r)}: ${m} has no raw point`);
            return;
          }
          checked += 1;
          if (!controlled && Math.abs(y - before) > 1e-9) {
            problems.push(`${where(r)}: with Style = raw, ${m} is drawn at ${y} and its raw point at ${before}`);
          }
          if (controlled) {
            const c = Number(both[names.indexOf(m)]);
            if (!Number.isFinite(c) || Math.abs(c - y) > 1e-9) {
              problems.push(`${where(r)}: with Style = controlled, ${m} is drawn at ${y}, not its controlled score ${c}`);
            }
            moved += Math.abs(y - before) > 0.01 ? 1 : 0;
          }
        });
      }
    }
    expect(checked).toBeGreaterThan(0);
    // The demo's simulated votes carry output tokens: control moves some models.
    expect(moved).toBeGreaterThan(0);
    expectNone(problems);
  });
});
