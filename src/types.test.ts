/**
 * Checks `types.ts` against the query model the Rust side emits.
 *
 * `src/generated/queryModel.json` is what `arenawatt schema` prints (the Rust
 * test `tests/query_model_drift.rs` fails when the committed file is stale).
 * Here the default query, the default settings, the value lists and the key
 * groups of `types.ts`, and the resources the editors ask for, are compared
 * with it, so a key or a value added, renamed or removed on one side only
 * fails, naming the difference.
 */
import schema from './generated/queryModel.json';
import { RESOURCES } from './resources';
import {
  ARCHITECTURES,
  BOOLEAN_KEYS,
  CI_METHODS,
  DEFAULT_QUERY,
  DEFAULT_SETTINGS,
  FIXED_KEYS,
  GROUP_BYS,
  LICENSE_KINDS,
  LIST_KEYS,
  METHODOLOGIES,
  NUMBER_KEYS,
  QUERY_TYPES,
  SIZE_CLASSES,
  STEPS,
  STYLES,
  SUBSETS,
  TEXT_KEYS,
  TIE_POLICIES,
  VARIABLE_OFS,
  WINDOWS,
} from './types';

const REGENERATE = 'the schema is printed by `arenawatt schema > src/generated/queryModel.json`';

function sameValue(rust: unknown, ts: unknown): boolean {
  if (typeof rust === 'number' && typeof ts === 'number') {
    return Math.abs(rust - ts) <= 1e-12 * Math.max(Math.abs(rust), 1);
  }
  return JSON.stringify(rust) === JSON.stringify(ts);
}

/** Compares two objects key by key and lists every difference. */
function differences(rust: Record<string, unknown>, ts: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(rust), ...Object.keys(ts)])].sort();
  const found: string[] = [];
  for (const key of keys) {
    if (!(key in ts)) {
      found.push(`${key}: in Rust, missing from types.ts`);
    } else if (!(key in rust)) {
      found.push(`${key}: in types.ts, unknown to Rust`);
    } else if (!sameValue(rust[key], ts[key])) {
      found.push(`${key}: Rust default ${JSON.stringify(rust[key])}, types.ts default ${JSON.stringify(ts[key])}`);
    }
  }
  return found;
}

const keysOfKind = (...kinds: string[]) =>
  schema.keys.filter((key) => kinds.includes(key.kind)).map((key) => key.key);

describe(`types.ts mirrors the Rust query model (${REGENERATE})`, () => {
  it('DEFAULT_QUERY has every key of the Rust Query, with its default', () => {
    expect(differences(schema.defaultQuery, DEFAULT_QUERY)).toEqual([]);
  });

  it("DEFAULT_SETTINGS are the Rust QueryDefaults plus the plugin's own path and readOnly", () => {
    // `path` (the store) and `readOnly` (how it is opened) are the plugin's
    // settings; the Rust test checks the plugin reads exactly these keys.
    const rust = { ...schema.settingsDefaults, path: '', readOnly: false };
    expect(differences(rust, DEFAULT_SETTINGS)).toEqual([]);
  });

  it('LIST_KEYS are exactly the keys whose default is a list', () => {
    const withListDefaults = Object.entries(schema.defaultQuery)
      .filter(([, value]) => Array.isArray(value))
      .map(([key]) => key);
    expect([...LIST_KEYS].sort()).toEqual(withListDefaults.sort());
    expect([...LIST_KEYS].sort()).toEqual(keysOfKind('list').sort());
  });

  it('the other key groups follow the kinds of the Rust keys', () => {
    const fixed: string[] = [...FIXED_KEYS];
    const notFixed = (key: string) => !fixed.includes(key);
    expect([...TEXT_KEYS].sort()).toEqual(keysOfKind('text', 'choice').filter(notFixed).sort());
    expect([...NUMBER_KEYS].sort()).toEqual(keysOfKind('integer', 'number').filter(notFixed).sort());
    expect([...BOOLEAN_KEYS].sort()).toEqual(keysOfKind('switch').sort());
    expect(fixed.filter((key) => !schema.keys.some((k) => k.key === key))).toEqual([]);
  });

  it('the value lists match the Rust enums, in order', () => {
    const cases: Array<[string, readonly string[], string[]]> = [
      ['QUERY_TYPES', QUERY_TYPES, schema.enums.queryTypes],
      ['TIE_POLICIES', TIE_POLICIES, schema.enums.tiePolicies],
      ['CI_METHODS', CI_METHODS, schema.enums.ciMethods],
      ['METHODOLOGIES', METHODOLOGIES, schema.enums.methodologies],
      ['WINDOWS', WINDOWS, schema.enums.windows],
      ['STEPS', STEPS, schema.enums.steps],
      ['SUBSETS', SUBSETS, schema.enums.subsets],
      ['STYLES', STYLES, schema.enums.styles],
      ['GROUP_BYS', GROUP_BYS, schema.enums.groupBys],
      ['VARIABLE_OFS', VARIABLE_OFS, schema.enums.variableOfs],
      ['ARCHITECTURES', ARCHITECTURES, schema.enums.architectures],
      ['SIZE_CLASSES', SIZE_CLASSES, schema.enums.sizeClasses],
      ['LICENSE_KINDS', LICENSE_KINDS, schema.enums.licenseKinds],
    ];
    const drifted = cases
      .filter(([, ts, rust]) => JSON.stringify(ts) !== JSON.stringify(rust))
      .map(([name, ts, rust]) => `${name}: Rust ${JSON.stringify(rust)}, types.ts ${JSON.stringify(ts)}`);
    expect(drifted).toEqual([]);
  });

  it('the editors ask only for resources the plugin serves', () => {
    // The plugin serves one list resource per variable query (checked by the Rust test).
    const served: string[] = schema.enums.variableOfs;
    expect(RESOURCES.filter((name) => !served.includes(name))).toEqual([]);
  });
});
