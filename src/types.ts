/**
 * The query and data source settings types, with their defaults.
 *
 * These mirror the Rust query model (`pkg/engine/src/model.rs`, `Query`; the
 * keys in `keys.rs`) and the data source defaults (`QueryDefaults` in
 * `pkg/engine/src/lib.rs`). The Rust side prints that model as JSON
 * (`arenawatt schema`, committed as `src/generated/queryModel.json`);
 * `src/types.test.ts` compares `DEFAULT_QUERY`, `DEFAULT_SETTINGS`, the value
 * lists and the key groups below with it and fails when they drift.
 */
import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

export const QUERY_TYPES = ['scatter', 'leaderboard', 'model', 'variable', 'trend', 'energy-trend', 'regression', 'slice-scores', 'head-to-head', 'preferences', 'annotations'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

export const TIE_POLICIES = ['half', 'drop', 'davidson'] as const;
export type TiePolicy = (typeof TIE_POLICIES)[number];

export const CI_METHODS = ['sandwich', 'fisher', 'bootstrap', 'none'] as const;
export type CiMethod = (typeof CI_METHODS)[number];

export const METHODOLOGIES = ['ecologits-0.11', 'ecologits-0.8', 'comparia-2026-02'] as const;

export const WINDOWS = ['all', 'range', 'cumulative', 'rolling'] as const;
export type Window = (typeof WINDOWS)[number];

export const STEPS = ['day', 'week', 'auto'] as const;
export type Step = (typeof STEPS)[number];

/** Rows of a scatter/leaderboard to return, after the fit and the filters (the Rust `Subset`). */
export const SUBSETS = ['all', 'pareto', 'selected', 'dense', 'moe', 'matformer', 'unknown'] as const;
export type Subset = (typeof SUBSETS)[number];

/** Raw BT scores, or style-controlled ones (the Rust `Style`). */
export const STYLES = ['raw', 'controlled'] as const;
export type Style = (typeof STYLES)[number];

export const GROUP_BYS = ['model', 'total'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

export const VARIABLE_OFS = [
  'sources',
  'organizations',
  'licenses',
  'architectures',
  'sizes',
  'models',
  'methodologies',
  'zones',
  'categories',
  'languages',
  'countries',
] as const;
export type VariableOf = (typeof VARIABLE_OFS)[number];

/** Values of the `licenses` filter. */
export const LICENSE_KINDS = ['open', 'proprietary'] as const;
/** Values of the `architectures` filter. */
export const ARCHITECTURES = ['dense', 'moe', 'matformer', 'unknown'] as const;
/** Values of the `sizes` filter: XS <15B, S <60B, M <100B, L <400B, XL ≥400B total parameters. */
export const SIZE_CLASSES = ['XS', 'S', 'M', 'L', 'XL'] as const;

/**
 * A query. Keys are the camelCase keys of the Rust `Query`; `null` means "the
 * data source's default". Strings and string lists may hold template variables.
 */
export interface ArenawattQuery extends DataQuery {
  queryType?: QueryType;

  // filters
  sources?: string[];
  from?: string | null;
  to?: string | null;
  organizations?: string[];
  licenses?: string[];
  architectures?: string[];
  sizes?: string[];
  models?: string[];
  /** Number keys also take a template variable such as `$min_votes`. */
  minVotes?: number | string;
  /** Slice filters: only these votes are fitted (union within a key, intersection across keys); empty = every vote. */
  categories?: string[];
  languages?: string[];
  countries?: string[];

  // rating options
  ties?: TiePolicy | null;
  ci?: CiMethod | null;
  rounds?: number | string | null;
  seed?: number | string | null;
  /** `MODEL=SCORE`. */
  anchor?: string | null;
  level?: number | string | null;
  /** raw (default), or controlled: the answers' length and markdown held equal. */
  style?: Style | string;

  // energy options
  methodology?: string | null;
  zone?: string | null;
  pue?: number | string | null;
  wue?: number | string | null;
  tokens?: number | string | null;
  allowEstimates?: boolean;

  // single model and highlighting
  model?: string | null;
  selected?: string[];
  /** Head-to-head: the N best-scored models, when `selected` names none (default 10). */
  top?: number | string | null;
  /** Rows to return: all, the Pareto frontier (cheapest first), the selected models, or one architecture. */
  subset?: Subset;

  // variable
  of?: VariableOf;

  // time
  window?: Window;
  windowDays?: number | string | null;
  step?: Step;
  intervalMs?: number | null;
  includeCi?: boolean;
  groupBy?: GroupBy;
  latestDays?: number | string | null;
  previousDays?: number | string | null;
  compareMethodology?: string | null;
  /** Regression: only these metrics (`bt_delta`, `bt_z`, `rank_delta`, `wh_delta_pct`); empty = all. */
  metrics?: string[];
}

/** Every key of the query model with its default: `serde_json::to_value(Query::default())`. */
export const DEFAULT_QUERY: Required<Omit<ArenawattQuery, 'refId' | 'hide' | 'key' | 'datasource' | 'queryType'>> & {
  queryType: QueryType;
} = {
  queryType: 'scatter',
  sources: [],
  from: null,
  to: null,
  organizations: [],
  licenses: [],
  architectures: [],
  sizes: [],
  models: [],
  minVotes: 0,
  categories: [],
  languages: [],
  countries: [],
  ties: null,
  ci: null,
  rounds: null,
  seed: null,
  anchor: null,
  level: null,
  style: 'raw',
  methodology: null,
  zone: null,
  pue: null,
  wue: null,
  tokens: null,
  allowEstimates: false,
  model: null,
  selected: [],
  top: null,
  subset: 'all',
  of: 'models',
  window: 'all',
  windowDays: null,
  step: 'day',
  intervalMs: null,
  includeCi: false,
  groupBy: 'model',
  latestDays: null,
  previousDays: null,
  compareMethodology: null,
  metrics: [],
};

/** Query keys whose value is a list of strings. */
export const LIST_KEYS = [
  'sources',
  'organizations',
  'licenses',
  'architectures',
  'sizes',
  'models',
  'categories',
  'languages',
  'countries',
  'selected',
  'metrics',
] as const;

/** Query keys whose value is one string (or an enum value) that may hold a template variable. */
export const TEXT_KEYS = [
  'from',
  'to',
  'ties',
  'ci',
  'anchor',
  'methodology',
  'zone',
  'model',
  'compareMethodology',
  'window',
  'step',
  'groupBy',
  'subset',
  'style',
] as const;

/** Query keys whose value is a number that may be given as a template variable. */
export const NUMBER_KEYS = [
  'minVotes',
  'rounds',
  'seed',
  'level',
  'pue',
  'wue',
  'tokens',
  'windowDays',
  'latestDays',
  'previousDays',
  'top',
] as const;

/** Query keys whose value is a boolean that may be given as a template variable. */
export const BOOLEAN_KEYS = ['allowEstimates', 'includeCi'] as const;

/** Query keys that never hold a template variable: they select the editor or come from Grafana. */
export const FIXED_KEYS = ['queryType', 'of', 'intervalMs'] as const;

/**
 * The data source's `jsonData`: the store path plus the defaults applied to
 * queries that leave an option unset (the Rust `QueryDefaults`).
 */
export interface ArenawattSettings extends DataSourceJsonData {
  /** SQLite store; empty = the bundled demo data. */
  path?: string;
  /** Open the store immutable (SQLite `immutable=1`): for a store in a read-only folder without its `-shm` file. */
  readOnly?: boolean;
  methodology?: string;
  zone?: string;
  pue?: number;
  wue?: number;
  ties?: TiePolicy;
  ci?: CiMethod;
  bootstrapRounds?: number;
}

/** `path` plus `QueryDefaults::default()`. */
export const DEFAULT_SETTINGS: Required<Omit<ArenawattSettings, keyof DataSourceJsonData>> = {
  path: '',
  readOnly: false,
  methodology: 'ecologits-0.11',
  zone: 'WOR',
  pue: 1.15,
  wue: 1.8,
  ties: 'half',
  ci: 'sandwich',
  bootstrapRounds: 200,
};

/** Query types that read Grafana's time range or step through time. */
export const TIME_QUERY_TYPES: readonly QueryType[] = ['trend', 'energy-trend', 'regression'];
