import React from 'react';
import { act, fireEvent, render, waitFor } from '@testing-library/react';

import { DataSource } from '../datasource';
import { ResourceName } from '../resources';
import { choose, input, typeCustom } from '../test/select';
import { ArenawattQuery, QUERY_TYPES, VARIABLE_OFS } from '../types';
import { QueryEditor, QUERY_TYPE_OPTIONS, VARIABLE_OF_OPTIONS } from './QueryEditor';

const RESOURCES: Record<ResourceName, unknown> = {
  models: [
    { id: 'llama-3.1-405b', display_name: 'Llama 3.1 405B', organization: 'Meta' },
    { id: 'glm-4.5', display_name: 'GLM 4.5', organization: 'Zhipu' },
    { id: 'mistral-small-3.1', display_name: 'Mistral Small 3.1', organization: 'Mistral AI' },
  ],
  organizations: ['Meta', 'Mistral AI', 'Zhipu'],
  sources: { sources: ['comparia', 'lmsys', 'simulated'] },
  zones: [
    { code: 'FRA', name: 'France' },
    { code: 'WOR', name: 'World' },
  ],
  methodologies: ['ecologits-0.11', 'ecologits-0.8', 'comparia-2026-02'],
  categories: [
    { text: 'Code (1,204 votes)', value: 'Code' },
    { text: 'Politics & Government (310 votes)', value: 'Politics & Government' },
  ],
  languages: [
    { text: 'fr (2,001 votes)', value: 'fr' },
    { text: 'en (904 votes)', value: 'en' },
  ],
  countries: [{ text: 'dk (77 votes)', value: 'dk' }],
};

/** Renders the editor and waits until the eight resources have loaded. */
async function setup(query: Partial<ArenawattQuery> = {}) {
  const fetchResource = jest.fn((name: ResourceName) => Promise.resolve(RESOURCES[name]));
  const datasource = { fetchResource } as unknown as DataSource;
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const utils = render(
    <QueryEditor
      query={{ refId: 'A', ...query }}
      datasource={datasource}
      onChange={onChange}
      onRunQuery={onRunQuery}
    />
  );
  const last = () => onChange.mock.calls.at(-1)?.[0] as ArenawattQuery;
  await waitFor(() => expect(fetchResource).toHaveBeenCalledTimes(8));
  await act(async () => {});
  return { ...utils, datasource, fetchResource, onChange, onRunQuery, last };
}

describe('QueryEditor', () => {
  it('loads the filter options from the backend resources', async () => {
    const { fetchResource } = await setup();
    expect(fetchResource.mock.calls.map((c) => c[0]).sort()).toEqual([
      'categories',
      'countries',
      'languages',
      'methodologies',
      'models',
      'organizations',
      'sources',
      'zones',
    ]);
  });

  it("asks for the zones of the query's methodology, unless it is a variable", async () => {
    const fixed = await setup({ methodology: 'ecologits-0.8' });
    expect(fixed.fetchResource).toHaveBeenCalledWith('zones', { methodology: 'ecologits-0.8' });
    fixed.unmount();
    const variable = await setup({ methodology: '$methodology' });
    expect(variable.fetchResource).toHaveBeenCalledWith('zones', undefined);
  });

  it('writes filters chosen in the multi-selects as lists', async () => {
    const { last, onRunQuery } = await setup();
    await choose('query-sources', 'lmsys');
    expect(last()).toEqual({ refId: 'A', sources: ['lmsys'] });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('adds to an existing list and keeps the other keys', async () => {
    const { last } = await setup({ queryType: 'scatter', organizations: ['Meta'], minVotes: 20 });
    await choose('query-organizations', 'Zhipu');
    expect(last()).toEqual({ refId: 'A', queryType: 'scatter', organizations: ['Meta', 'Zhipu'], minVotes: 20 });
    await choose('query-architectures', 'moe');
    expect(last()).toEqual({ refId: 'A', queryType: 'scatter', organizations: ['Meta'], architectures: ['moe'], minVotes: 20 });
  });

  it('highlights a model picked by its display name', async () => {
    const { last } = await setup({ queryType: 'scatter' });
    await choose('query-selected', 'GLM 4.5');
    expect(last()).toEqual({ refId: 'A', queryType: 'scatter', selected: ['glm-4.5'] });
  });

  it('accepts a template variable where a model is expected', async () => {
    const { last } = await setup({ queryType: 'model' });
    await typeCustom('query-model', '$model');
    expect(last()).toEqual({ refId: 'A', queryType: 'model', model: '$model' });
  });

  it('switches the query type and shows its options', async () => {
    const { last, rerender, datasource } = await setup();
    await choose('query-queryType', 'Regressions');
    expect(last()).toEqual({ refId: 'A', queryType: 'regression' });
    rerender(<QueryEditor query={last()} datasource={datasource} onChange={jest.fn()} onRunQuery={jest.fn()} />);
    expect(document.getElementById('query-latestDays')).not.toBeNull();
    expect(document.getElementById('query-compareMethodology')).not.toBeNull();
    expect(document.getElementById('query-selected')).toBeNull();
  });

  it('asks a regression for the metrics an alert threshold tests', async () => {
    const { last } = await setup({ queryType: 'regression' });
    await choose('query-metrics', 'bt_z');
    expect(last()).toEqual({ refId: 'A', queryType: 'regression', metrics: ['bt_z'] });
  });

  it('writes rating and energy options', async () => {
    const { last } = await setup({ queryType: 'leaderboard' });
    await choose('query-ties', 'Drop');
    expect(last()).toEqual({ refId: 'A', queryType: 'leaderboard', ties: 'drop' });
    await choose('query-ci', 'Fisher');
    expect(last()).toEqual({ refId: 'A', queryType: 'leaderboard', ci: 'fisher' });
    await choose('query-zone', 'France');
    expect(last()).toEqual({ refId: 'A', queryType: 'leaderboard', zone: 'FRA' });
    fireEvent.change(input('query-pue'), { target: { value: '1.4' } });
    fireEvent.blur(input('query-pue'));
    expect(last()).toEqual({ refId: 'A', queryType: 'leaderboard', pue: 1.4 });
    fireEvent.click(input('query-allowEstimates'));
    expect(last()).toEqual({ refId: 'A', queryType: 'leaderboard', allowEstimates: true });
  });

  it('keeps a variable typed in a number field, and drops an emptied one', async () => {
    const { last } = await setup({ queryType: 'scatter', minVotes: 10 });
    fireEvent.change(input('query-minVotes'), { target: { value: '$min_votes' } });
    fireEvent.blur(input('query-minVotes'));
    expect(last()).toEqual({ refId: 'A', queryType: 'scatter', minVotes: '$min_votes' });
    fireEvent.change(input('query-minVotes'), { target: { value: '' } });
    fireEvent.blur(input('query-minVotes'));
    expect(last()).toEqual({ refId: 'A', queryType: 'scatter' });
  });

  it('writes the time options of a trend', async () => {
    const { last } = await setup({ queryType: 'trend' });
    await choose('query-window', 'Rolling');
    expect(last()).toEqual({ refId: 'A', queryType: 'trend', window: 'rolling' });
    await choose('query-step', 'Week');
    expect(last()).toEqual({ refId: 'A', queryType: 'trend', step: 'week' });
    fireEvent.change(input('query-windowDays'), { target: { value: '14' } });
    fireEvent.blur(input('query-windowDays'));
    expect(last()).toEqual({ refId: 'A', queryType: 'trend', windowDays: 14 });
    fireEvent.click(input('query-includeCi'));
    expect(last()).toEqual({ refId: 'A', queryType: 'trend', includeCi: true });
  });

  it('edits a dashboard variable query', async () => {
    const { last } = await setup({ queryType: 'variable', of: 'models' });
    expect(document.getElementById('query-sources')).toBeNull();
    await choose('query-of', 'Electricity zones');
    expect(last()).toEqual({ refId: 'A', queryType: 'variable', of: 'zones' });
  });

  it('writes slice filters as lists, picked by their labels with vote counts', async () => {
    const { last } = await setup({ queryType: 'leaderboard' });
    await choose('query-categories', 'Code (1,204 votes)');
    expect(last()).toEqual({ refId: 'A', queryType: 'leaderboard', categories: ['Code'] });
    await choose('query-languages', 'fr (2,001 votes)');
    expect(last()).toEqual({ refId: 'A', queryType: 'leaderboard', languages: ['fr'] });
  });

  it('edits a slice-scores query: the dimension and the model, without energy options', async () => {
    const { last, rerender, datasource } = await setup();
    await choose('query-queryType', 'Where each model wins');
    expect(last()).toEqual({ refId: 'A', queryType: 'slice-scores' });
    rerender(<QueryEditor query={last()} datasource={datasource} onChange={jest.fn()} onRunQuery={jest.fn()} />);
    expect(document.getElementById('query-zone')).toBeNull();
    expect(document.getElementById('query-countries')).not.toBeNull();
    const onChange = jest.fn();
    rerender(<QueryEditor query={last()} datasource={datasource} onChange={onChange} onRunQuery={jest.fn()} />);
    await choose('query-of', 'Language');
    expect(onChange.mock.calls.at(-1)?.[0]).toEqual({ refId: 'A', queryType: 'slice-scores', of: 'languages' });
    await choose('query-model', 'GLM 4.5');
    expect(onChange.mock.calls.at(-1)?.[0]).toEqual({ refId: 'A', queryType: 'slice-scores', model: 'glm-4.5' });
  });

  it('offers every query type and variable list of the query model', () => {
    expect(QUERY_TYPE_OPTIONS.map((o) => o.value)).toEqual([...QUERY_TYPES]);
    expect(VARIABLE_OF_OPTIONS.map((o) => o.value)).toEqual([...VARIABLE_OFS]);
  });
});
