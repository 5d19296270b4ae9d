import { DataSource } from './datasource';
import { instanceSettings as settings } from './test/instanceSettings';
import { FakeTemplateSrv } from './test/templateSrv';
import {
  ArenawattQuery,
  BOOLEAN_KEYS,
  DEFAULT_QUERY,
  FIXED_KEYS,
  LIST_KEYS,
  NUMBER_KEYS,
  TEXT_KEYS,
} from './types';

const variables = {
  source: ['comparia', 'lmsys'],
  org: ['Mistral AI'],
  license: 'open',
  arch: ['dense', 'moe'],
  size: ['S', 'M', 'XL'],
  model: 'glm-4.5',
  models: ['llama-3.1-405b', 'glm-4.5'],
  methodology: 'ecologits-0.8',
  zone: 'FRA',
  min_votes: '50',
  day: '2026-01-01',
  ties: 'drop',
  pue: '1.2',
  flag: 'true',
};

function dataSource() {
  return new DataSource(settings, new FakeTemplateSrv(variables));
}

describe('applyTemplateVariables', () => {
  it('covers every key of the query model exactly once', () => {
    const groups = [LIST_KEYS, TEXT_KEYS, NUMBER_KEYS, BOOLEAN_KEYS, FIXED_KEYS].flatMap((g) => [...g] as string[]);
    expect([...groups].sort()).toEqual(Object.keys(DEFAULT_QUERY).sort());
    expect(new Set(groups).size).toBe(groups.length);
  });

  it('expands multi-value variables into list items and keeps fixed items', () => {
    const query: ArenawattQuery = {
      refId: 'A',
      queryType: 'scatter',
      sources: ['$source'],
      organizations: ['${org}', 'Meta'],
      licenses: ['$license'],
      architectures: ['[[arch]]'],
      sizes: ['$size'],
      models: ['$models', 'qwen3-32b'],
      selected: ['$model'],
    };
    const out = dataSource().applyTemplateVariables(query, {});
    expect(out.sources).toEqual(['comparia', 'lmsys']);
    expect(out.organizations).toEqual(['Mistral AI', 'Meta']);
    expect(out.licenses).toEqual(['open']);
    expect(out.architectures).toEqual(['dense', 'moe']);
    expect(out.sizes).toEqual(['S', 'M', 'XL']);
    expect(out.models).toEqual(['llama-3.1-405b', 'glm-4.5', 'qwen3-32b']);
    expect(out.selected).toEqual(['glm-4.5']);
    // the input is not mutated
    expect(query.sources).toEqual(['$source']);
  });

  it('replaces a variable in every key that can hold one', () => {
    const query: Record<string, unknown> = { refId: 'A', queryType: 'regression' };
    for (const key of LIST_KEYS) {
      query[key] = ['$models'];
    }
    for (const key of TEXT_KEYS) {
      query[key] = '$model';
    }
    for (const key of NUMBER_KEYS) {
      query[key] = '$min_votes';
    }
    for (const key of BOOLEAN_KEYS) {
      query[key] = '$flag';
    }
    const out = dataSource().applyTemplateVariables(query as unknown as ArenawattQuery, {}) as unknown as Record<
      string,
      unknown
    >;
    const unreplaced = Object.entries(out).filter(([, v]) => JSON.stringify(v).includes('$'));
    expect(unreplaced).toEqual([]);
    for (const key of LIST_KEYS) {
      expect([key, out[key]]).toEqual([key, ['llama-3.1-405b', 'glm-4.5']]);
    }
    for (const key of TEXT_KEYS) {
      expect([key, out[key]]).toEqual([key, 'glm-4.5']);
    }
    for (const key of NUMBER_KEYS) {
      expect([key, out[key]]).toEqual([key, 50]);
    }
    for (const key of BOOLEAN_KEYS) {
      expect([key, out[key]]).toEqual([key, true]);
    }
    expect(out.queryType).toBe('regression');
  });

  it('turns numbers and dates given as variables into the values the backend reads', () => {
    const out = dataSource().applyTemplateVariables(
      { refId: 'A', minVotes: '$min_votes', pue: '$pue', from: '$day', to: '$__to', ties: '$ties' as never },
      {}
    );
    expect(out.minVotes).toBe(50);
    expect(out.pue).toBe(1.2);
    expect(out.from).toBe('2026-01-01');
    // Grafana's own macros are left for the backend when the frontend does not know them
    expect(out.to).toBe('$__to');
    expect(out.ties).toBe('drop');
  });

  it('uses scoped variables (repeated panels) before dashboard ones', () => {
    const out = dataSource().applyTemplateVariables({ refId: 'A', queryType: 'model', model: '$model' }, {
      model: { text: 'Mistral Small', value: 'mistral-small-3.1' },
    });
    expect(out.model).toBe('mistral-small-3.1');
  });

  it('drops empty list items and keeps values with no variable', () => {
    const out = dataSource().applyTemplateVariables(
      { refId: 'A', sources: ['', 'comparia'], zone: 'DEU', minVotes: 10 },
      {}
    );
    expect(out.sources).toEqual(['comparia']);
    expect(out.zone).toBe('DEU');
    expect(out.minVotes).toBe(10);
  });
});

describe('variable support', () => {
  it('offers the variable query type with models by default', () => {
    const ds = dataSource();
    expect(ds.variables).toBeDefined();
    expect((ds.variables as { getDefaultQuery: () => unknown }).getDefaultQuery()).toEqual({
      queryType: 'variable',
      of: 'models',
    });
  });
});

describe('template variables as Grafana formats them (defect 7 of the render issue)', () => {
  it("gives a single value through ${var:json} unquoted, as Grafana's json format does", () => {
    const srv = new FakeTemplateSrv({ version: '1.10', many: ['a', 'b'] });
    expect(srv.replace('${version:json}')).toBe('1.10');
    expect(srv.replace('${many:json}')).toBe('["a","b"]');
  });

  it('keeps a list value that happens to parse as JSON exactly as its text', () => {
    const ds = new DataSource(settings, new FakeTemplateSrv({ model: '1.10', flags: ['true', 'null', '007'] }));
    const out = ds.applyTemplateVariables(
      { refId: 'A', queryType: 'scatter', selected: ['$model'], models: ['${flags}', '[[model]]'] },
      {}
    );
    expect(out.selected).toEqual(['1.10']);
    expect(out.models).toEqual(['true', 'null', '007', '1.10']);
  });

  it('renders ${var:text} as the option text, for panel titles', () => {
    const srv = new FakeTemplateSrv({ model: 'glm-4.5' }, { model: 'GLM 4.5' });
    expect(srv.replace('${model:text}: BT score')).toBe('GLM 4.5: BT score');
  });
});
