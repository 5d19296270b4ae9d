/**
 * A stand-in for Grafana's TemplateSrv with its documented interpolation
 * rules: `$name`, `${name}` and `[[name]]` references; a multi-value variable
 * renders as `{a,b}` by default, as a JSON array with the `json` format, and a
 * format function receives the raw value; scoped variables win.
 */
import { ScopedVars } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

const REFERENCE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?::([^}]+))?}/g;

export class FakeTemplateSrv implements TemplateSrv {
  constructor(private readonly values: Record<string, string | string[]>) {}

  getVariables() {
    return [];
  }

  containsTemplate(target?: string): boolean {
    if (!target) {
      return false;
    }
    REFERENCE.lastIndex = 0;
    const found = [...target.matchAll(REFERENCE)].some((m) => {
      const name = m[1] ?? m[2] ?? m[4];
      return name in this.values;
    });
    return found;
  }

  replace(target?: string, scopedVars?: ScopedVars, format?: string | Function): string {
    if (!target) {
      return target ?? '';
    }
    return target.replace(REFERENCE, (match, plain, bracket, bracketFormat, braced, bracedFormat) => {
      const name: string = plain ?? bracket ?? braced;
      const scoped = scopedVars?.[name];
      const value = scoped !== undefined ? scoped.value : this.values[name];
      if (value === undefined) {
        return match;
      }
      const fmt = bracedFormat ?? bracketFormat ?? format;
      if (typeof fmt === 'function') {
        return fmt(value);
      }
      if (fmt === 'json') {
        return JSON.stringify(value);
      }
      if (fmt === 'csv') {
        return Array.isArray(value) ? value.join(',') : String(value);
      }
      return Array.isArray(value) ? (value.length > 1 ? `{${value.join(',')}}` : String(value[0] ?? '')) : String(value);
    });
  }

  updateTimeRange(): void {}
}
