/**
 * The backend's resources (`GET models`, `organizations`, `sources`, `zones`,
 * `methodologies`, and the slice values `categories`, `languages`,
 * `countries`) turned into select options for the editors.
 *
 * The plugin answers each with JSON. This module accepts the shapes such an
 * answer may take (a list of strings, a list of objects, or an object holding
 * such a list) so that the editors do not break when a resource gains fields.
 */
import { SelectableValue } from '@grafana/data';

export const RESOURCES = [
  'models',
  'organizations',
  'sources',
  'zones',
  'methodologies',
  'categories',
  'languages',
  'countries',
] as const;
export type ResourceName = (typeof RESOURCES)[number];

/**
 * Fetches one resource's JSON (the data source's `getResource`, or the backend
 * API in the config editor). Params are query keys the backend narrows the
 * list with, e.g. `zones?methodology=ecologits-0.8`.
 */
export type ResourceFetcher = (name: ResourceName, params?: Record<string, string>) => Promise<unknown>;

const VALUE_KEYS = ['value', 'id', 'code', 'name', 'model'];
const LABEL_KEYS = ['text', 'label', 'display_name', 'displayName', 'name', 'title'];
const DESCRIPTION_KEYS = ['description', 'organization', 'country'];

function firstString(record: Record<string, unknown>, keys: string[]): string | undefined {
  for (const key of keys) {
    const value = record[key];
    if (typeof value === 'string' && value !== '') {
      return value;
    }
    if (typeof value === 'number') {
      return String(value);
    }
  }
  return undefined;
}

function toOption(item: unknown): SelectableValue<string> | undefined {
  if (typeof item === 'string') {
    return { label: item, value: item };
  }
  if (typeof item === 'number') {
    return { label: String(item), value: String(item) };
  }
  if (item && typeof item === 'object') {
    const record = item as Record<string, unknown>;
    const value = firstString(record, VALUE_KEYS);
    if (value === undefined) {
      return undefined;
    }
    const label = firstString(record, LABEL_KEYS) ?? value;
    const description = firstString(record, DESCRIPTION_KEYS);
    return description && description !== label ? { label, value, description } : { label, value };
  }
  return undefined;
}

/** Turns a resource's JSON into options, dropping items that have no usable value. */
export function toOptions(body: unknown, name?: ResourceName): Array<SelectableValue<string>> {
  let items: unknown = body;
  if (items && typeof items === 'object' && !Array.isArray(items)) {
    const record = items as Record<string, unknown>;
    const key = [name, 'items', 'values', 'data', 'results'].find((k) => k && Array.isArray(record[k]));
    items = key ? record[key] : Object.values(record).find(Array.isArray);
  }
  if (!Array.isArray(items)) {
    return [];
  }
  const seen = new Set<string>();
  const options: Array<SelectableValue<string>> = [];
  for (const item of items) {
    const option = toOption(item);
    if (option && !seen.has(option.value!)) {
      seen.add(option.value!);
      options.push(option);
    }
  }
  return options;
}

/** Options that keep the current values visible even when the resource does not list them (e.g. `$model`). */
export function withCurrent(
  options: Array<SelectableValue<string>>,
  current: Array<string | null | undefined>
): Array<SelectableValue<string>> {
  const known = new Set(options.map((o) => o.value));
  const extra = current
    .filter((v): v is string => typeof v === 'string' && v !== '' && !known.has(v))
    .map((v) => ({ label: v, value: v }));
  return extra.length ? [...extra, ...options] : options;
}
