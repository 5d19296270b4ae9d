/**
 * The query editor: the query type, then the options that type reads —
 * filters (multi-selects fed by the backend's resources; the slice filters
 * choose which votes are fitted), rating and energy
 * options, the model(s) to show or highlight, and the time options of the
 * trend, energy-trend and regression types. It writes the same JSON keys as
 * the Rust query model; template variables can be typed into any of them.
 */
import React, { useCallback, useMemo } from 'react';
import { QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, InlineSwitch, Input, MultiSelect, Select } from '@grafana/ui';

import { DataSource } from '../datasource';
import { ResourceFetcher, withCurrent } from '../resources';
import {
  ARCHITECTURES,
  ArenawattQuery,
  ArenawattSettings,
  DEFAULT_QUERY,
  LICENSE_KINDS,
  QueryType,
  SIZE_CLASSES,
  VariableOf,
} from '../types';
import { CI_OPTIONS, METHODOLOGY_OPTIONS, TIE_OPTIONS } from './ConfigEditor';
import { NumberInput, useResourceOptions } from './fields';

export type Props = QueryEditorProps<DataSource, ArenawattQuery, ArenawattSettings>;

const LABEL_WIDTH = 20;

export const QUERY_TYPE_OPTIONS: Array<SelectableValue<QueryType>> = [
  { value: 'scatter', label: 'Satisfaction vs energy', description: 'Open models with known energy: BT score and Wh per 1000 tokens' },
  { value: 'leaderboard', label: 'Leaderboard', description: 'Every model, proprietary included (energy null with a reason)' },
  { value: 'model', label: 'One model', description: "One model's full record" },
  { value: 'variable', label: 'Variable values', description: 'Values for a dashboard variable' },
  { value: 'trend', label: 'BT trend', description: 'BT score of each model over time' },
  { value: 'energy-trend', label: 'Energy trend', description: 'Energy and emissions of the voted traffic over time' },
  { value: 'regression', label: 'Regressions', description: 'Alert-ready changes between the latest and the previous window' },
  {
    value: 'slice-scores',
    label: 'Where each model wins',
    description: "Each model's BT score per category, language or country against its overall score",
  },
  {
    value: 'head-to-head',
    label: 'Head-to-head',
    description: 'Battles, win fractions and BT-predicted win probabilities of every pair of the top models',
  },
  {
    value: 'preferences',
    label: "Voters' reasons",
    description: "Each model's rate of each qualifier voters ticked (useful, incorrect, …) and its positive-reasons ratio",
  },
  {
    value: 'annotations',
    label: 'Data changes',
    description: 'Imports and catalog changes, for annotations on time series',
  },
];

const STYLE_OPTIONS: Array<SelectableValue<string>> = [
  { value: 'raw', label: 'Raw', description: 'The plain Bradley–Terry fit' },
  { value: 'controlled', label: 'Style-controlled', description: "Length and markdown held equal" },
];

export const VARIABLE_OF_OPTIONS: Array<SelectableValue<VariableOf>> = [
  { value: 'sources', label: 'Sources' },
  { value: 'organizations', label: 'Organizations' },
  { value: 'licenses', label: 'Licenses' },
  { value: 'architectures', label: 'Architectures' },
  { value: 'sizes', label: 'Size classes' },
  { value: 'models', label: 'Models' },
  { value: 'methodologies', label: 'Methodologies' },
  { value: 'zones', label: 'Electricity zones' },
  { value: 'categories', label: 'Categories' },
  { value: 'languages', label: 'Languages' },
  { value: 'countries', label: 'Countries' },
];

/** The slice dimensions a `slice-scores` query fits one model per value of. */
const SLICE_OF_OPTIONS: Array<SelectableValue<string>> = [
  { value: 'categories', label: 'Category' },
  { value: 'languages', label: 'Language' },
  { value: 'countries', label: 'Country' },
];

const SLICE_TOOLTIP =
  'Fit only the votes with one of these values (and, across the three slice filters, all of them); empty = every vote. Unlike the model filters, a slice filter changes the scores.';

const WINDOW_OPTIONS = {
  plain: [
    { value: 'all', label: 'All data', description: 'Every vote, narrowed by From/To' },
    { value: 'range', label: 'Dashboard range', description: "Grafana's time range (or the alert's)" },
  ],
  trend: [
    { value: 'cumulative', label: 'Cumulative', description: 'Every vote up to each step' },
    { value: 'rolling', label: 'Rolling', description: 'The last N days up to each step' },
  ],
};

const SUBSET_OPTIONS: Array<SelectableValue<string>> = [
  { value: 'all', label: 'All rows' },
  { value: 'pareto', label: 'Pareto frontier', description: 'The models no other beats on both axes, cheapest first' },
  { value: 'selected', label: 'Highlighted models', description: 'The rows flagged selected' },
  { value: 'dense', label: 'Dense models' },
  { value: 'moe', label: 'MoE models' },
  { value: 'matformer', label: 'MatFormer models' },
  { value: 'unknown', label: 'Unknown architecture' },
];

const STEP_OPTIONS: Array<SelectableValue<string>> = [
  { value: 'day', label: 'Day' },
  { value: 'week', label: 'Week' },
  { value: 'auto', label: 'Auto', description: "Grafana's interval, rounded up to whole days" },
];

const GROUP_BY_OPTIONS: Array<SelectableValue<string>> = [
  { value: 'model', label: 'Per model' },
  { value: 'total', label: 'Total' },
];

const REGRESSION_METRIC_OPTIONS: Array<SelectableValue<string>> = [
  { value: 'bt_delta', label: 'bt_delta', description: 'BT change between the windows, in BT points' },
  { value: 'bt_z', label: 'bt_z', description: 'BT change over its standard error; alert on bt_z < -3' },
  { value: 'rank_delta', label: 'rank_delta', description: 'Previous rank minus latest (negative: the model fell)' },
  { value: 'wh_delta_pct', label: 'wh_delta_pct', description: 'Change of Wh per 1000 tokens, in %' },
];

const staticOptions = (values: readonly string[]) => values.map((v) => ({ value: v, label: v }));

type Patch = Partial<Record<keyof ArenawattQuery, unknown>>;

export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const queryType: QueryType = query.queryType ?? DEFAULT_QUERY.queryType;
  const fetch: ResourceFetcher | undefined = useMemo(
    () => (datasource ? (name, params) => datasource.fetchResource(name, params) : undefined),
    [datasource]
  );
  const sources = useResourceOptions(fetch, 'sources');
  const organizations = useResourceOptions(fetch, 'organizations');
  const models = useResourceOptions(fetch, 'models');
  const categories = useResourceOptions(fetch, 'categories');
  const languages = useResourceOptions(fetch, 'languages');
  const countries = useResourceOptions(fetch, 'countries');
  // Zones differ between methodology versions; a variable ($methodology) cannot be resolved here.
  const methodology = query.methodology && !query.methodology.includes('$') ? query.methodology : undefined;
  const zones = useResourceOptions(fetch, 'zones', [], methodology ? { methodology } : undefined);
  const methodologies = useResourceOptions(fetch, 'methodologies', METHODOLOGY_OPTIONS);

  /** Applies a patch; a key set to `undefined` is removed so it takes its default. */
  const update = useCallback(
    (patch: Patch) => {
      const next = { ...query } as Record<string, unknown>;
      for (const [key, value] of Object.entries(patch)) {
        if (value === undefined || (Array.isArray(value) && value.length === 0)) {
          delete next[key];
        } else {
          next[key] = value;
        }
      }
      onChange(next as unknown as ArenawattQuery);
      onRunQuery();
    },
    [query, onChange, onRunQuery]
  );

  const multi = (key: keyof ArenawattQuery, label: string, tooltip: string, options: Array<SelectableValue<string>>, loading = false) => {
    const current = (query[key] as string[] | undefined) ?? [];
    return (
      <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip} grow>
        <MultiSelect
          inputId={`query-${key}`}
          isLoading={loading}
          allowCustomValue
          placeholder="all"
          options={withCurrent(options, current)}
          value={current}
          onChange={(values: Array<SelectableValue<string>>) => update({ [key]: values.map((v) => v.value!) })}
        />
      </InlineField>
    );
  };

  const single = (
    key: keyof ArenawattQuery,
    label: string,
    tooltip: string,
    options: Array<SelectableValue<string>>,
    opts: { placeholder?: string; loading?: boolean; clearable?: boolean; width?: number } = {}
  ) => {
    const current = query[key] as string | null | undefined;
    return (
      <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip}>
        <Select
          inputId={`query-${key}`}
          width={opts.width ?? 28}
          isLoading={opts.loading}
          allowCustomValue
          isClearable={opts.clearable ?? true}
          placeholder={opts.placeholder ?? 'data source default'}
          options={withCurrent(options, [current])}
          value={current ?? null}
          onChange={(v: SelectableValue<string> | null) => update({ [key]: v?.value ?? undefined })}
        />
      </InlineField>
    );
  };

  const number = (key: keyof ArenawattQuery, label: string, tooltip: string, placeholder: string) => (
    <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip}>
      <NumberInput
        id={`query-${key}`}
        value={query[key] as number | string | null | undefined}
        placeholder={placeholder}
        onCommit={(v) => update({ [key]: v })}
      />
    </InlineField>
  );

  const text = (key: keyof ArenawattQuery, label: string, tooltip: string, placeholder: string) => (
    <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip}>
      <Input
        id={`query-${key}`}
        width={28}
        defaultValue={(query[key] as string | null | undefined) ?? ''}
        placeholder={placeholder}
        onBlur={(e) => update({ [key]: e.currentTarget.value.trim() || undefined })}
      />
    </InlineField>
  );

  const isTime = queryType === 'trend' || queryType === 'energy-trend' || queryType === 'regression';
  const counts = queryType === 'preferences' || queryType === 'annotations';
  const usesEnergy =
    queryType !== 'trend' && queryType !== 'variable' && queryType !== 'slice-scores' && queryType !== 'head-to-head' && !counts;
  const usesRating = queryType !== 'energy-trend' && queryType !== 'variable' && !counts;

  return (
    <div>
      <InlineFieldRow>
        <InlineField label="Query type" labelWidth={LABEL_WIDTH} tooltip="What the query returns; each type reads the options shown below it.">
          <Select
            inputId="query-queryType"
            width={32}
            options={QUERY_TYPE_OPTIONS}
            value={queryType}
            onChange={(v: SelectableValue<QueryType>) => update({ queryType: v.value })}
          />
        </InlineField>
        {queryType === 'variable' && (
          <InlineField label="Values of" labelWidth={LABEL_WIDTH} tooltip="Which list the variable offers: fields `text` and `value`.">
            <Select
              inputId="query-of"
              width={28}
              options={VARIABLE_OF_OPTIONS}
              value={query.of ?? DEFAULT_QUERY.of}
              onChange={(v: SelectableValue<VariableOf>) => update({ of: v.value })}
            />
          </InlineField>
        )}
      </InlineFieldRow>

      {queryType === 'model' && (
        <InlineFieldRow>
          {single('model', 'Model', 'The model whose record is returned: an id, an alias or a variable such as $model.', models.options, {
            placeholder: 'choose a model',
            loading: models.loading,
            width: 40,
          })}
        </InlineFieldRow>
      )}

      {queryType === 'slice-scores' && (
        <InlineFieldRow>
          {single('of', 'Per', 'One Bradley–Terry fit per value of this slice dimension.', SLICE_OF_OPTIONS, {
            placeholder: 'categories',
          })}
          {single('model', 'Model', 'Only this model\'s rows (e.g. $model); empty = every model.', models.options, {
            placeholder: 'every model',
            loading: models.loading,
            width: 40,
          })}
        </InlineFieldRow>
      )}

      {queryType === 'preferences' && (
        <InlineFieldRow>
          {single('model', 'Model', "Only this model's row (e.g. $model); empty = every judged model.", models.options, {
            placeholder: 'every model',
            loading: models.loading,
            width: 40,
          })}
        </InlineFieldRow>
      )}

      {queryType === 'head-to-head' && (
        <InlineFieldRow>
          {number('top', 'Top models', 'The N best-scored models, when no model is chosen (default 10, at most 50).', '10')}
          {multi('selected', 'Compare', 'Compare these models instead of the top ones, e.g. $model.', models.options, models.loading)}
        </InlineFieldRow>
      )}

      {queryType === 'annotations' && (
        <InlineFieldRow>
          {multi('sources', 'Sources', 'Only imports that wrote to these sources; empty = all. Catalog changes are always shown.', sources.options, sources.loading)}
        </InlineFieldRow>
      )}

      {queryType !== 'variable' && queryType !== 'annotations' && (
        <>
          <InlineFieldRow>
            {multi('categories', 'Categories', SLICE_TOOLTIP, categories.options, categories.loading)}
            {multi('languages', 'Languages', SLICE_TOOLTIP, languages.options, languages.loading)}
            {multi('countries', 'Countries', SLICE_TOOLTIP, countries.options, countries.loading)}
          </InlineFieldRow>
          <InlineFieldRow>
            {multi('sources', 'Sources', 'Vote sources counted in the fit; empty = all.', sources.options, sources.loading)}
            {multi('organizations', 'Organizations', 'Only models from these organizations; empty = all.', organizations.options, organizations.loading)}
          </InlineFieldRow>
          <InlineFieldRow>
            {multi('licenses', 'Licenses', 'open and/or proprietary; empty = both.', staticOptions(LICENSE_KINDS))}
            {multi('architectures', 'Architectures', 'dense, moe, matformer, unknown; empty = all.', staticOptions(ARCHITECTURES))}
            {multi('sizes', 'Sizes', 'Size classes by total parameters: XS <15B, S <60B, M <100B, L <400B, XL ≥400B.', staticOptions(SIZE_CLASSES))}
          </InlineFieldRow>
          <InlineFieldRow>
            {multi('models', 'Models', 'Only these models; empty = all.', models.options, models.loading)}
            {number('minVotes', 'Min votes', 'Hide models with fewer votes than this (they still count in the fit of the others).', '0')}
          </InlineFieldRow>
          {(queryType === 'scatter' || queryType === 'leaderboard') && (
            <InlineFieldRow>
              {multi('selected', 'Highlight', 'Models flagged selected = true in the rows, e.g. $model, so a panel can highlight them.', models.options, models.loading)}
              {single('subset', 'Rows', 'Which rows to return; the fit, ranks and Pareto flags always use every row the filters keep. One query per series lets a graph draw the frontier, the highlighted model and each architecture as its own frame.', SUBSET_OPTIONS, { placeholder: 'all' })}
            </InlineFieldRow>
          )}
        </>
      )}

      {usesRating && (
        <InlineFieldRow>
          {single('ties', 'Ties', 'How tied votes enter the Bradley–Terry fit.', TIE_OPTIONS)}
          {single('ci', 'CI method', 'How confidence intervals are computed.', CI_OPTIONS)}
          {number('rounds', 'Bootstrap rounds', 'Bootstrap fits, when the CI method is bootstrap.', 'default')}
          {number('level', 'CI level', 'Confidence level, e.g. 0.95.', '0.95')}
          {number('seed', 'Seed', 'Seed of the bootstrap, for reproducible intervals.', 'default')}
          {single('style', 'Style', "Raw BT scores, or style-controlled ones: a contextual Bradley–Terry fit that holds the answers' length and markdown (headers, bold, lists) equal, as LMArena and compar:IA do. Rows then carry both bt_score_raw and bt_score_controlled.", STYLE_OPTIONS, { placeholder: 'raw' })}
          {text('anchor', 'Anchor', 'MODEL=SCORE pins one model to a score (LMSYS: mixtral-8x7b-instruct-v0.1=1114); empty = scores average 1000.', 'mean 1000')}
        </InlineFieldRow>
      )}

      {usesEnergy && (
        <InlineFieldRow>
          {single('methodology', 'Methodology', 'EcoLogits methodology version of the energy figures.', methodologies.options, {
            loading: methodologies.loading,
          })}
          {single('zone', 'Zone', 'Electricity mix for gCO2e and the other impacts.', zones.options, { loading: zones.loading })}
          {number('pue', 'PUE', 'Power usage effectiveness.', 'default')}
          {number('wue', 'WUE (L/kWh)', 'On-site water usage effectiveness.', 'default')}
          {number('tokens', 'Output tokens', 'Output tokens the per-model estimate is for.', '1000')}
          <InlineField
            label="Estimated sizes"
            labelWidth={LABEL_WIDTH}
            tooltip="Use estimated parameter counts for models that do not disclose them (EcoLogits' estimate first; compar:IA's own guess first under comparia-2026-02); the energy note says whose estimate each row uses."
          >
            <InlineSwitch
              id="query-allowEstimates"
              value={query.allowEstimates ?? false}
              onChange={(e) => update({ allowEstimates: e.currentTarget.checked || undefined })}
            />
          </InlineField>
        </InlineFieldRow>
      )}

      {queryType !== 'variable' && (
        <InlineFieldRow>
          {single(
            'window',
            'Window',
            isTime ? 'Cumulative: every vote up to each step. Rolling: the last N days.' : 'All data, or the dashboard time range.',
            [...WINDOW_OPTIONS.plain, ...(queryType === 'trend' || queryType === 'energy-trend' ? WINDOW_OPTIONS.trend : [])],
            { placeholder: 'all' }
          )}
          {text('from', 'From', 'First day included: YYYY-MM-DD, RFC 3339, epoch ms or $__from.', 'first vote')}
          {text('to', 'To', 'Last day included: same forms, or $__to.', 'last vote')}
        </InlineFieldRow>
      )}

      {isTime && (
        <InlineFieldRow>
          {queryType !== 'regression' && single('step', 'Step', 'Time between two points.', STEP_OPTIONS, { placeholder: 'day' })}
          {queryType !== 'regression' &&
            number('windowDays', 'Window days', 'Length of the rolling window, in days.', 'default')}
          {queryType === 'trend' && (
            <InlineField label="With CI" labelWidth={LABEL_WIDTH} tooltip="Add CI fields to each model's series.">
              <InlineSwitch
                id="query-includeCi"
                value={query.includeCi ?? false}
                onChange={(e) => update({ includeCi: e.currentTarget.checked || undefined })}
              />
            </InlineField>
          )}
          {queryType === 'energy-trend' && single('groupBy', 'Group by', 'One series per model, or the total.', GROUP_BY_OPTIONS, { placeholder: 'model' })}
          {queryType === 'regression' && number('latestDays', 'Latest days', 'Length of the latest window, in days.', '30')}
          {queryType === 'regression' &&
            number('previousDays', 'Previous days', 'Length of the previous window, in days.', 'same as latest')}
          {queryType === 'regression' &&
            single(
              'compareMethodology',
              'Compare with',
              "Compare Wh against this methodology instead of the previous window's traffic mix.",
              methodologies.options,
              { placeholder: 'previous window' }
            )}
        </InlineFieldRow>
      )}
      {queryType === 'regression' && (
        <InlineFieldRow>
          {multi(
            'metrics',
            'Metrics',
            'Only these metrics (an alert rule asks for the one its threshold tests); empty = all.',
            REGRESSION_METRIC_OPTIONS
          )}
        </InlineFieldRow>
      )}
    </div>
  );
}
