/**
 * The real plugin's answers, decoded by Grafana's own frontend code: the
 * bridge (`examples/grafana_bridge.rs`) plays the Grafana server, and its
 * `/api/ds/query` JSON goes through `toDataQueryResponse` from
 * `@grafana/runtime`, as in a browser. Needs `cargo build --all-targets`.
 */
import { DataFrame, FieldType, LoadingState } from '@grafana/data';
import { frameToMetricFindValue, toDataQueryResponse } from '@grafana/runtime';

import { Bridge, bridgeBinaries, startBridge } from './pluginBridge';

let bridge: Bridge;

beforeAll(async () => {
  bridge = await startBridge();
}, 120000);

afterAll(async () => {
  await bridge?.close();
});

const DAY_MS = 86_400_000;

function field(frame: DataFrame, name: string) {
  const found = frame.fields.find((f) => f.name === name);
  if (!found) {
    throw new Error(`frame ${frame.name} has no field ${name}; fields: ${frame.fields.map((f) => f.name).join(', ')}`);
  }
  return found;
}

describe('the plugin through the bridge and toDataQueryResponse', () => {
  it('serves the scatter of the 59 open models of the simulated compar:IA source, with energy', async () => {
    const queries = [{ refId: 'A', queryType: 'scatter', sources: ['simulated'], licenses: ['open'] }];
    const results = await bridge.query(queries);
    expect(results.results.A.status).toBe(200);
    const response = toDataQueryResponse({ data: results }, queries);
    expect(response.state).toBe(LoadingState.Done);
    expect(response.error).toBeUndefined();
    expect(response.data).toHaveLength(1);
    const frame: DataFrame = response.data[0];
    expect(frame.refId).toBe('A');
    expect(frame.name).toBe('scatter');
    expect(frame.length).toBe(59);

    expect(field(frame, 'model').type).toBe(FieldType.string);
    expect(field(frame, 'license').values.every((l) => typeof l === 'string' && l.length > 0)).toBe(true);
    expect(field(frame, 'pareto').type).toBe(FieldType.boolean);
    expect(field(frame, 'pareto').values.some((p) => p === true)).toBe(true);
    for (const name of ['bt_score', 'bt_ci_low', 'bt_ci_high', 'wh_per_1k_tokens', 'gco2e_per_1k_tokens', 'votes']) {
      const numbers = field(frame, name);
      expect(numbers.type).toBe(FieldType.number);
      const bad = numbers.values.filter((v) => typeof v !== 'number' || !Number.isFinite(v));
      expect({ name, bad }).toEqual({ name, bad: [] });
    }
    // Each score lies inside its own interval, and costs are positive Wh.
    const score = field(frame, 'bt_score').values;
    const low = field(frame, 'bt_ci_low').values;
    const high = field(frame, 'bt_ci_high').values;
    score.forEach((s, i) => expect(low[i] <= s && s <= high[i]).toBe(true));
    expect(field(frame, 'wh_per_1k_tokens').values.every((wh) => wh > 0)).toBe(true);
    expect(field(frame, 'wh_per_1k_tokens').config.unit).toBeTruthy();
    // Frame metadata survives the trip (Grafana shows the notices).
    expect(frame.meta?.custom?.queryType).toBe('scatter');
    expect(frame.meta?.notices?.length).toBeGreaterThan(0);

    // The same models as the editors' `models` resource with the same filters.
    const listed = await bridge.resource('models', 'sources=simulated&licenses=open');
    expect(listed.status).toBe(200);
    expect(listed.headers['content-type']).toEqual(['application/json']);
    const listedIds = (listed.body as Array<{ value: string }>).map((m) => m.value).sort();
    expect(listedIds).toEqual([...field(frame, 'model').values].sort());
  });

  it('serves the models variable as text/value strings that Grafana turns into options', async () => {
    const queries = [{ refId: 'B', queryType: 'variable', of: 'models' }];
    const response = toDataQueryResponse({ data: await bridge.query(queries) }, queries);
    expect(response.data).toHaveLength(1);
    const frame: DataFrame = response.data[0];
    expect(frame.refId).toBe('B');
    expect(frame.fields.map((f) => [f.name, f.type])).toEqual([
      ['text', FieldType.string],
      ['value', FieldType.string],
    ]);
    const options = frameToMetricFindValue(frame);
    expect(options.length).toBe(frame.length);
    expect(frame.length).toBeGreaterThan(59);
    expect(field(frame, 'value').values).toContain('llama-3.3-70b');
    const all = await bridge.resource('models');
    expect((all.body as Array<{ value: string }>).map((m) => m.value).sort()).toEqual(
      [...field(frame, 'value').values].sort()
    );
  });

  it('passes the time range to the plugin and decodes time fields as epoch milliseconds', async () => {
    const to = Date.now();
    const range = { from: to - 120 * DAY_MS, to };
    // `$__from`/`$__to` are resolved by the backend from the request's range.
    const queries = [
      {
        refId: 'T',
        queryType: 'trend',
        models: ['llama-3.3-70b'],
        window: 'rolling',
        windowDays: 30,
        from: '$__from',
        to: '$__to',
      },
    ];
    const response = toDataQueryResponse({ data: await bridge.query(queries, range) }, queries);
    expect(response.error).toBeUndefined();
    const frame: DataFrame = response.data[0];
    const time = frame.fields.find((f) => f.type === FieldType.time);
    expect(time).toBeDefined();
    // One row a day over the 120 days (the last may not have votes yet).
    expect(frame.length).toBeGreaterThanOrEqual(119);
    expect(frame.length).toBeLessThanOrEqual(121);
    for (const t of time!.values) {
      expect(typeof t).toBe('number');
      expect(t).toBeGreaterThanOrEqual(range.from - DAY_MS);
      expect(t).toBeLessThanOrEqual(range.to);
    }
    expect(frame.fields.some((f) => f.type === FieldType.number && f.values.some((v) => typeof v === 'number'))).toBe(
      true
    );
  });

  it('reports a bad query as that refId’s error, next to the good ones', async () => {
    const queries = [
      { refId: 'A', queryType: 'variable', of: 'sizes' },
      { refId: 'C', queryType: 'nonsense' },
    ];
    const results = await bridge.query(queries);
    // As Grafana's encoder writes a failed refId: the error, no frames.
    expect(results.results.C).toEqual({
      status: 400,
      error: expect.stringContaining('unknown query type'),
      errorSource: '',
      frames: [],
    });
    const response = toDataQueryResponse({ data: results }, queries);
    expect(response.state).toBe(LoadingState.Error);
    expect(response.errors?.map((e) => e.refId)).toEqual(['C']);
    expect(response.error?.message).toContain('unknown query type "nonsense"');
    expect(response.data.map((f: DataFrame) => f.refId)).toEqual(['A']);
  });

  it('answers the health check with the demo store’s status', async () => {
    const health = await bridge.health();
    expect(health.status).toBe('OK');
    expect(health.message.length).toBeGreaterThan(0);
    expect(health.jsonDetails).toEqual(expect.objectContaining({ models: expect.any(Number) }));
  });

  it('sends a Viewer’s vote upload back with 403, as Grafana would show it', async () => {
    const answer = await bridge.resource('votes', '', {
      httpMethod: 'POST',
      body: '{"model_a":"glm-4.5","model_b":"gpt-oss-120b","winner":"model_a","timestamp":"2025-01-01T00:00:00Z"}',
      role: 'Viewer',
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual(expect.objectContaining({ error: expect.any(String) }));
  });
});

describe('bridgeBinaries', () => {
  it('says what to build when the binaries are missing', () => {
    expect(() => bridgeBinaries('/nonexistent-target')).toThrow(
      '/nonexistent-target/debug/examples/grafana_bridge is missing: run `cargo build --all-targets` first'
    );
  });
});
