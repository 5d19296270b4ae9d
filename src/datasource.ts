/**
 * The data source: queries go to the Rust backend (`gpx_arenawatt`) through
 * `DataSourceWithBackend`; this class only fills in template variables,
 * offers the `variable` query type for dashboard variables and the
 * `annotations` type for Grafana's annotations (imports, catalog changes).
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
    // Grafana's standard annotation support: an annotation is a regular
    // query (type `annotations`), whose frame's `time`, `title`, `text` and
    // `tags` fields Grafana turns into events.
    this.annotations = {
      getDefaultQuery: () => ({ queryType: 'annotations' as QueryType, window: 'range' }),
    };
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

  /**
   * One list item, which may be a (multi-value) variable, as the list of its
   * values. An item that is exactly one variable reference takes the
   * variable's raw value through a format function: Grafana's `json` format
   * returns a single value's text unquoted, so parsing it as JSON would turn
   * a value such as "1.10" into the number 1.1.
   */
  private expand(item: string, scopedVars: ScopedVars): string[] {
    if (!this.templateSrv.containsTemplate(item)) {
      return item === '' ? [] : [item];
    }
    if (!SINGLE_REFERENCE.test(item.trim())) {
      // A variable inside other text ("org-$x"): plain replacement.
      const replaced = this.templateSrv.replace(item, scopedVars);
      return replaced === '' ? [] : [replaced];
    }
    let values: string[] | undefined;
    const replaced = this.templateSrv.replace(item.trim(), scopedVars, (value: unknown) => {
      values = (Array.isArray(value) ? value : [value]).map((v) => String(v));
      return '';
    });
    // An inline format (`${x:csv}`) wins over ours: keep its text as one item.
    return (values ?? [replaced]).filter((v) => v !== '');
  }
}

/** `$name`, `${name}`, `${name:format}`, `[[name]]` alone. */
const SINGLE_REFERENCE = /^(\$\w+|\$\{\w+(:[^}]+)?\}|\[\[\w+(:\w+)?\]\])$/;

/** `"42"` → 42; an empty string → null (the default); other text is left for the backend to report. */
function toNumberOrText(text: string): number | string | null {
  const trimmed = text.trim();
  if (trimmed === '') {
    return null;
  }
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : trimmed;
}
