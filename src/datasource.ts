/**
 * The data source: queries go to the Rust backend (`gpx_arenawatt`) through
 * `DataSourceWithBackend`; this class only fills in template variables and
 * offers the `variable` query type for dashboard variables.
 */
import {
  CoreApp,
  DataSourceInstanceSettings,
  DataSourceVariableSupport,
  ScopedVars,
} from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv, TemplateSrv } from '@grafana/runtime';

import { ResourceName } from './resources';
import {
  ArenawattQuery,
  ArenawattSettings,
  BOOLEAN_KEYS,
  DEFAULT_QUERY,
  LIST_KEYS,
  NUMBER_KEYS,
  QueryType,
  TEXT_KEYS,
  VariableOf,
} from './types';

/** Dashboard variables use the `variable` query type through the regular query editor. */
export class ArenawattVariableSupport extends DataSourceVariableSupport<DataSource, ArenawattQuery, ArenawattSettings> {
  getDefaultQuery(): Partial<ArenawattQuery> {
    return { queryType: 'variable' as QueryType, of: 'models' as VariableOf };
  }
}

export class DataSource extends DataSourceWithBackend<ArenawattQuery, ArenawattSettings> {
  constructor(
    instanceSettings: DataSourceInstanceSettings<ArenawattSettings>,
    private readonly templateSrv: TemplateSrv = getTemplateSrv()
  ) {
    super(instanceSettings);
    this.variables = new ArenawattVariableSupport();
  }

  getDefaultQuery(_app: CoreApp): Partial<ArenawattQuery> {
    return { queryType: DEFAULT_QUERY.queryType };
  }

  /** Fetches one of the backend's resources for the editors. */
  fetchResource(name: ResourceName, params?: Record<string, string>): Promise<unknown> {
    return this.getResource(name, params);
  }

  /**
   * Replaces template variables in every key that can hold one. A multi-value
   * variable in a list key expands into several list items; numbers given as
   * variables (`"$min_votes"`) become numbers again.
   */
  applyTemplateVariables(query: ArenawattQuery, scopedVars: ScopedVars): ArenawattQuery {
    const out: ArenawattQuery = { ...query };
    const record = out as unknown as Record<string, unknown>;
    for (const key of LIST_KEYS) {
      const value = record[key];
      if (Array.isArray(value)) {
        record[key] = value.flatMap((item) => this.expand(String(item), scopedVars));
      } else if (typeof value === 'string') {
        record[key] = this.expand(value, scopedVars);
      }
    }
    for (const key of TEXT_KEYS) {
      const value = record[key];
      if (typeof value === 'string') {
        record[key] = this.templateSrv.replace(value, scopedVars);
      }
    }
    for (const key of NUMBER_KEYS) {
      const value = record[key];
      if (typeof value === 'string') {
        record[key] = toNumberOrText(this.templateSrv.replace(value, scopedVars));
      }
    }
    for (const key of BOOLEAN_KEYS) {
      const value = record[key];
      if (typeof value === 'string') {
        const replaced = this.templateSrv.replace(value, scopedVars).trim().toLowerCase();
        record[key] = replaced === 'true' ? true : replaced === 'false' ? false : replaced;
      }
    }
    return out;
  }

  /** One list item, which may be a (multi-value) variable, as the list of its values. */
  private expand(item: string, scopedVars: ScopedVars): string[] {
    if (!this.templateSrv.containsTemplate(item)) {
      return item === '' ? [] : [item];
    }
    const json = this.templateSrv.replace(item, scopedVars, 'json');
    let values: string[];
    try {
      const parsed: unknown = JSON.parse(json);
      values = Array.isArray(parsed) ? parsed.map(String) : [String(parsed)];
    } catch {
      // A variable inside other text ("org-$x"): plain replacement.
      values = [this.templateSrv.replace(item, scopedVars)];
    }
    return values.filter((v) => v !== '');
  }
}

/** `"42"` → 42; an empty string → null (the default); other text is left for the backend to report. */
function toNumberOrText(text: string): number | string | null {
  const trimmed = text.trim();
  if (trimmed === '') {
    return null;
  }
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : trimmed;
}
