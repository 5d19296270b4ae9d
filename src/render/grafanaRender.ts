/**
 * What a Grafana user sees of a provisioned dashboard, computed with
 * Grafana's own frontend code instead of our reading of the contract.
 *
 * A panel goes through the same stages as in Grafana:
 *
 * 1. its targets get the dashboard variables through our `DataSource`'s
 *    `applyTemplateVariables` (a template service that formats like Grafana);
 * 2. the real `gpx_arenawatt` answers them (through the bridge in
 *    `src/test/pluginBridge.ts`), and `@grafana/runtime`'s
 *    `toDataQueryResponse` decodes the frames, in target order;
 * 3. `@grafana/data`'s `transformDataFrame` runs the panel's transformations,
 *    then `applyFieldOverrides` its field config (defaults and overrides);
 * 4. a view of the panel type reads the result the way the panel does:
 *    xychart series bound by frame index (the v2 panel's rule: strict
 *    equality of the index, number fields only, size scaled across the size
 *    field's own min–max), stat values through `getFieldDisplayValues`, table
 *    columns, time series fields.
 *
 * The xychart panel's code is not in an npm package, so step 4 for it models
 * the binding and sizing rules of Grafana 11.5–12's xychart v2; everything
 * else is Grafana's code itself.
 */
import {
  DataFrame,
  DataQueryResponse,
  DataTransformerConfig,
  Field,
  FieldConfigOptionsRegistry,
  FieldConfigPropertyItem,
  FieldConfigSource,
  FieldDisplay,
  FieldType,
  InterpolateFunction,
  MatcherConfig,
  applyFieldOverrides,
  createTheme,
  getFieldDisplayName,
  getFieldDisplayValues,
  getFieldMatcher,
  standardTransformers,
  standardTransformersRegistry,
  transformDataFrame,
} from '@grafana/data';
import { toDataQueryResponse } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';

import { DataSource } from '../datasource';
import { ArenawattQuery } from '../types';
import { Bridge, TimeRangeMs } from '../test/pluginBridge';

export const theme = createTheme();

let transformersReady = false;

/** Registers @grafana/data's standard transformations, as Grafana does at start-up. */
export function registerTransformers() {
  if (transformersReady) {
    return;
  }
  // Some transformers are exported under two names: register each id once.
  const unique = new Map(Object.values(standardTransformers).map((t) => [t.id, t]));
  standardTransformersRegistry.setInit(() =>
    [...unique.values()].map((transformation) => ({
      id: transformation.id,
      aliasIds: transformation.aliasIds,
      name: transformation.name,
      description: transformation.description,
      transformation,
      editor: () => null,
    })) as never
  );
  transformersReady = true;
}

/** The parts of a dashboard panel these views read. */
export interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: ArenawattQuery[];
  transformations?: DataTransformerConfig[];
  fieldConfig?: FieldConfigSource;
  options?: Record<string, any>;
  panels?: Panel[];
}

/**
 * A field config registry holding every standard option and every custom
 * option the panel sets, each written where Grafana's registry writes it
 * (`custom.*` options under `config.custom`). Grafana builds this from the
 * panel plugin; options missing from it would be silently ignored.
 */
export function fieldConfigRegistry(fieldConfig: FieldConfigSource): FieldConfigOptionsRegistry {
  const standard = [
    'displayName',
    'displayNameFromDS',
    'description',
    'unit',
    'decimals',
    'min',
    'max',
    'noValue',
    'mappings',
    'thresholds',
    'color',
    'links',
    'filterable',
    'fieldMinMax',
  ];
  const custom = new Set<string>(Object.keys(fieldConfig.defaults?.custom ?? {}));
  for (const override of fieldConfig.overrides ?? []) {
    for (const property of override.properties) {
      if (property.id.startsWith('custom.')) {
        custom.add(property.id.slice('custom.'.length));
      }
    }
  }
  const item = (id: string, path: string, isCustom: boolean) =>
    ({
      id,
      path,
      name: id,
      isCustom,
      process: (value: unknown) => value,
      shouldApply: () => true,
      override: () => null,
      editor: () => null,
    }) as unknown as FieldConfigPropertyItem;
  const registry = new FieldConfigOptionsRegistry();
  registry.setInit(() => [
    ...standard.map((id) => item(id, id, false)),
    ...[...custom].map((path) => item(`custom.${path}`, path, true)),
  ]);
  return registry;
}

/** The frames a panel's targets get, as Grafana's frontend decodes them. */
export async function queryPanel(
  bridge: Bridge,
  dataSource: DataSource,
  panel: Panel,
  range: TimeRangeMs
): Promise<{ frames: DataFrame[]; errors: string[] }> {
  const targets = (panel.targets ?? []).map((t) => dataSource.applyTemplateVariables(t, {}));
  if (targets.length === 0) {
    return { frames: [], errors: [] };
  }
  const answer = await bridge.query(targets as unknown as Array<Record<string, unknown>>, range);
  const response: DataQueryResponse = toDataQueryResponse({ data: answer } as never, targets);
  const errors = (response.errors ?? []).map((e) => `${e.refId}: ${e.message}`);
  return { frames: response.data as DataFrame[], errors };
}

/** Runs the panel's transformations and field config over the frames. */
export async function renderFrames(
  panel: Panel,
  frames: DataFrame[],
  replaceVariables: InterpolateFunction
): Promise<DataFrame[]> {
  registerTransformers();
  const transformed = await lastValueFrom(
    transformDataFrame(panel.transformations ?? [], frames, { interpolate: replaceVariables })
  );
  const fieldConfig = panel.fieldConfig ?? { defaults: {}, overrides: [] };
  return applyFieldOverrides({
    data: transformed,
    fieldConfig,
    fieldConfigRegistry: fieldConfigRegistry(fieldConfig),
    replaceVariables,
    theme,
    timeZone: 'utc',
  });
}

// ---- xychart ----

/** One series of an xychart as the v2 panel draws it. */
export interface XySeriesView {
  /** The legend and tooltip name. */
  name: string;
  /** The frame it binds, by the panel's frame matcher; undefined when none matches. */
  frameIndex: number;
  frame?: DataFrame;
  refId?: string;
  rows: number;
  /** Display names of the models it draws (`display_name` values). */
  models: string[];
  x?: Field;
  y?: Field;
  sizeField?: Field;
  colorField?: Field;
  /** Diameters in CSS pixels, as the panel computes them. */
  diameters: number[];
  /** The legend swatch: a colour name, or undefined when the series is coloured by a field (grey). */
  legendColor?: string;
  problems: string[];
}

function matcher(config: MatcherConfig | undefined, fallback: MatcherConfig) {
  return getFieldMatcher(config ?? fallback);
}

/**
 * The series of an xychart v2 panel with manual mapping: each series config
 * binds the frame whose index equals its `byIndex` option (after the
 * transformations), takes x, colour, size and y among that frame's number
 * fields, and scales point area across the size field's own min–max.
 */
export function xySeries(panel: Panel, frames: DataFrame[]): XySeriesView[] {
  const configs: Array<Record<string, any>> = panel.options?.series ?? [];
  return configs.map((config, seriesIndex) => {
    const problems: string[] = [];
    const frameMatcher = config.frame?.matcher;
    if (frameMatcher?.id !== 'byIndex') {
      problems.push(`series ${seriesIndex} has frame matcher ${JSON.stringify(frameMatcher)}; xychart v2 only binds byIndex`);
    }
    const frameIndex = Number(frameMatcher?.options);
    const frame = frames.find((_, i) => i === frameIndex);
    const view: XySeriesView = {
      name: config.name?.fixed ?? `series ${seriesIndex}`,
      frameIndex,
      frame,
      refId: frame?.refId,
      rows: frame?.length ?? 0,
      models: [],
      diameters: [],
      problems,
    };
    if (!frame) {
      problems.push(`no frame at index ${frameIndex} (the panel has ${frames.length})`);
      return view;
    }
    const numbers = frame.fields.filter((f) => f.type === FieldType.number);
    const isX = matcher(config.x?.matcher, { id: 'byType', options: 'number' });
    const isY = matcher(config.y?.matcher, { id: 'byType', options: 'number' });
    const x = numbers.find((f) => isX(f, frame, frames));
    const isColor = config.color ? getFieldMatcher(config.color.matcher) : undefined;
    const color = isColor ? numbers.find((f) => f !== x && isColor(f, frame, frames)) : undefined;
    const isSize = config.size ? getFieldMatcher(config.size.matcher) : undefined;
    const size = isSize ? numbers.find((f) => f !== x && f !== color && isSize(f, frame, frames)) : undefined;
    const y = numbers.find(
      (f) => f !== x && f !== color && f !== size && isY(f, frame, frames) && !f.config.custom?.hideFrom?.viz
    );
    Object.assign(view, { x, y, sizeField: size, colorField: color });
    if (!x || !y) {
      problems.push(`frame ${frameIndex} (refId ${frame.refId}) has no ${!x ? 'x' : 'y'} field for the series`);
      return view;
    }
    const names = frame.fields.find((f) => f.name === 'display_name');
    view.models = names ? names.values.map(String) : [];
    if (size) {
      const { min, max } = size.config.custom?.pointSize ?? {};
      const lowPx = (min ?? 5) ** 2;
      const highPx = (max ?? 100) ** 2;
      const values = size.values as Array<number | null>;
      const low = Math.min(...(values as number[]));
      const high = Math.max(...(values as number[]));
      view.diameters = values.map((v) => (lowPx + (((v as number) - low) / (high - low)) * (highPx - lowPx)) ** 0.5);
    } else {
      view.diameters = Array(frame.length).fill(y.config.custom?.pointSize?.fixed ?? 5);
    }
    if (!color) {
      const mode = y.config.color?.mode ?? 'palette-classic';
      view.legendColor = mode === 'fixed' ? y.config.color?.fixedColor : `palette:${seriesIndex}`;
    }
    return view;
  });
}

/**
 * The categories a colour field's values are named by: each value must have a
 * value mapping with a text and a colour, as the legend of a field-coloured
 * series would need. Values without one are listed as unmapped.
 */
export function colourCategories(field: Field): { mapped: string[]; unmapped: unknown[] } {
  const mapped = new Set<string>();
  const unmapped: unknown[] = [];
  for (const value of field.values) {
    const mapping = (field.config.mappings ?? [])
      .filter((m) => m.type === 'value')
      .map((m) => (m.options as Record<string, { text?: string; color?: string }>)[String(value)])
      .find((result) => result !== undefined);
    if (mapping?.text && mapping.color) {
      mapped.add(mapping.text);
    } else {
      unmapped.push(value);
    }
  }
  return { mapped: [...mapped], unmapped };
}

// ---- stat ----

/** The fields a stat panel's `reduceOptions.fields` picks, matched as Grafana does (by display name). */
export function statFields(panel: Panel, frames: DataFrame[]): Field[] {
  const pattern = panel.options?.reduceOptions?.fields;
  const matches = getFieldMatcher(pattern ? { id: 'byRegexp', options: pattern } : { id: 'numeric', options: undefined });
  return frames.flatMap((frame) => frame.fields.filter((field) => matches(field, frame, frames)));
}

/** The values a stat panel shows, through Grafana's own reduction. */
export function statValues(panel: Panel, frames: DataFrame[], replaceVariables: InterpolateFunction): FieldDisplay[] {
  return getFieldDisplayValues({
    data: frames,
    reduceOptions: panel.options?.reduceOptions ?? { calcs: ['lastNotNull'] },
    fieldConfig: panel.fieldConfig ?? { defaults: {}, overrides: [] },
    replaceVariables,
    theme,
    timeZone: 'utc',
  });
}

// ---- table and time series ----

/** Column titles of each frame, as a table shows them. */
export function tableColumns(frames: DataFrame[]): string[][] {
  return frames.map((frame) =>
    frame.fields.filter((f) => !f.config.custom?.hidden).map((f) => getFieldDisplayName(f, frame, frames))
  );
}

/** Whether a frame is a time series a timeseries panel can draw. */
export function timeSeriesProblems(frames: DataFrame[]): string[] {
  const problems: string[] = [];
  if (frames.length === 0) {
    problems.push('no frames');
  }
  frames.forEach((frame, i) => {
    if (!frame.fields.some((f) => f.type === FieldType.time)) {
      problems.push(`frame ${i} (refId ${frame.refId}) has no time field`);
    }
    const numeric = frame.fields.filter((f) => f.type === FieldType.number);
    if (numeric.length === 0) {
      problems.push(`frame ${i} (refId ${frame.refId}) has no numeric field`);
    } else if (!numeric.some((f) => f.values.some((v) => typeof v === 'number' && Number.isFinite(v)))) {
      problems.push(`frame ${i} (refId ${frame.refId}) has numeric fields but no value`);
    }
  });
  return problems;
}

// ---- annotations ----

/** One annotation event as Grafana's standard annotation support builds it. */
export interface AnnotationView {
  time?: number;
  title?: string;
  text?: string;
  tags?: string[];
}

/**
 * The events Grafana draws from an annotation query's frames, by the rule of
 * its standard annotation support (Grafana's `public/app`, not in an npm
 * package, so modelled here): the frames joined into one; each event key
 * (`time`, `timeEnd`, `title`, `text`, `tags`) read from the field whose
 * display name is that key in lower case, `time` falling back to the first
 * time field and `text` to the first string field; no event at all without
 * both a time and a text; `tags` split on commas.
 */
export function annotationEvents(frames: DataFrame[]): AnnotationView[] {
  const frame = frames.find((f) => f.length > 0);
  if (!frame || frames.filter((f) => f.length > 0).length > 1) {
    return [];
  }
  const byName = new Map<string, Field>();
  for (const field of frame.fields) {
    byName.set(getFieldDisplayName(field, frame).toLowerCase(), field);
  }
  const time = byName.get('time') ?? frame.fields.find((f) => f.type === FieldType.time);
  const text = byName.get('text') ?? frame.fields.find((f) => f.type === FieldType.string);
  if (!time || !text) {
    return [];
  }
  const title = byName.get('title');
  const tags = byName.get('tags');
  const events: AnnotationView[] = [];
  for (let i = 0; i < frame.length; i++) {
    const tagText = tags?.values[i];
    events.push({
      time: Number(time.values[i]),
      text: text.values[i] as string | undefined,
      title: title?.values[i] as string | undefined,
      tags: typeof tagText === 'string' ? tagText.split(',') : undefined,
    });
  }
  return events;
}
