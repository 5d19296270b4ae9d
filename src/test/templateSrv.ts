/**
 * A stand-in for Grafana's TemplateSrv that follows Grafana's interpolation
 * rules, so tests see what a dashboard really sends:
 *
 * - `$name`, `${name}`, `${name:format}` and `[[name]]` / `[[name:format]]`
 *   references; scoped variables win over dashboard variables;
 * - a multi-value variable renders as `{a,b}` without a format;
 * - the `json` format stringifies arrays but returns a single string value
 *   as it is (Grafana's formatter passes strings through), so "1.10" stays
 *   the text 1.10 and is not a JSON number;
 * - `csv` joins with commas, `text` gives the variable's display text (the
 *   option label, e.g. a model's name for its id), `raw` the value;
 * - a format function receives the raw value (string or array).
 */
import { ScopedVars } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

const REFERENCE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?::([^}]+))?}/g;

type Value = string | string[];

export class FakeTemplateSrv implements TemplateSrv {
  /**
   * @param values each variable's current value (an array for multi-value variables)
   * @param texts each variable's display text, where it differs from the value
   */
  constructor(
    private readonly values: Record<string, Value>,
    private readonly texts: Record<string, Value> = {}
  ) {}

  getVariables() {
    return [];
  }

  containsTemplate(target?: string): boolean {
    if (!target) {
      return false;
    }
    return [...target.matchAll(REFERENCE)].some((m) => (m[1] ?? m[2] ?? m[4]) in this.values);
  }

  replace(target?: string, scopedVars?: ScopedVars, format?: string | Function): string {
    if (!target) {
      return target ?? '';
    }
    return target.replace(REFERENCE, (match, plain, bracket, bracketFormat, braced, bracedFormat) => {
      const name: string = plain ?? bracket ?? braced;
      const scoped = scopedVars?.[name];
      const value: Value | undefined = scoped !== undefined ? (scoped.value as Value) : this.values[name];
      if (value === undefined) {
        return match;
      }
      const fmt = bracedFormat ?? bracketFormat ?? format;
      if (typeof fmt === 'function') {
        return fmt(value);
      }
      switch (fmt) {
        case 'json':
          return typeof value === 'string' ? value : JSON.stringify(value);
        case 'csv':
          return Array.isArray(value) ? value.join(',') : value;
        case 'raw':
          return Array.isArray(value) ? value.join(',') : value;
        case 'text': {
          const text = scoped !== undefined ? (scoped.text as Value) : (this.texts[name] ?? value);
          return Array.isArray(text) ? text.join(' + ') : text;
        }
        default:
          return Array.isArray(value) ? (value.length > 1 ? `{${value.join(',')}}` : (value[0] ?? '')) : value;
      }
    });
  }

  updateTimeRange(): void {}
}
