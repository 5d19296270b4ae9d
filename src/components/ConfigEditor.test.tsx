import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { DataSourceSettings } from '@grafana/data';

import { ArenawattSettings, CI_METHODS, METHODOLOGIES, TIE_POLICIES } from '../types';
import { choose, input } from '../test/select';
import { CI_OPTIONS, ConfigEditor, METHODOLOGY_OPTIONS, TIE_OPTIONS } from './ConfigEditor';

const backendGet = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ get: backendGet }),
}));

function options(jsonData: ArenawattSettings = {}): DataSourceSettings<ArenawattSettings> {
  return {
    id: 1,
    uid: 'arenawatt',
    orgId: 1,
    name: 'arenawatt',
    type: 'arenawatt-energy-datasource',
    typeName: 'arenawatt',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    jsonData,
    secureJsonFields: {},
    readOnly: false,
    withCredentials: false,
  };
}

/** Renders the editor, waits for its two resources, and returns the jsonData of the last change. */
async function setup(jsonData: ArenawattSettings = {}) {
  const onOptionsChange = jest.fn();
  render(<ConfigEditor options={options(jsonData)} onOptionsChange={onOptionsChange} />);
  const last = () => (onOptionsChange.mock.calls.at(-1)?.[0] as DataSourceSettings<ArenawattSettings>).jsonData;
  await waitFor(() => expect(backendGet).toHaveBeenCalledTimes(2));
  await act(async () => {});
  return { onOptionsChange, last };
}

beforeEach(() => {
  backendGet.mockReset();
  backendGet.mockImplementation((url: string) => {
    if (url.endsWith('/zones')) {
      return Promise.resolve([
        { code: 'FRA', name: 'France' },
        { code: 'DEU', name: 'Germany' },
        { code: 'WOR', name: 'World' },
      ]);
    }
    if (url.endsWith('/methodologies')) {
      return Promise.resolve(['ecologits-0.11', 'ecologits-0.8', 'comparia-2026-02']);
    }
    return Promise.reject(new Error(`unexpected ${url}`));
  });
});

describe('ConfigEditor', () => {
  it('stores readOnly when the read-only folder switch is turned on', async () => {
    const { last } = await setup();
    const toggle = document.getElementById('config-read-only') as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    fireEvent.click(toggle);
    expect(last()).toEqual({ readOnly: true });
  });

  it('shows a saved readOnly setting as on', async () => {
    await setup({ readOnly: true });
    expect((document.getElementById('config-read-only') as HTMLInputElement).checked).toBe(true);
  });

  it('loads zones from the backend resource and stores the chosen one', async () => {
    const { last } = await setup();
    expect(backendGet).toHaveBeenCalledWith('/api/datasources/uid/arenawatt/resources/zones', {
      methodology: 'ecologits-0.11',
    });
    await choose('config-zone', 'France');
    expect(last()).toEqual({ zone: 'FRA' });
  });

  it('asks for the zones of the chosen methodology', async () => {
    await setup({ methodology: 'ecologits-0.8' });
    expect(backendGet).toHaveBeenCalledWith('/api/datasources/uid/arenawatt/resources/zones', {
      methodology: 'ecologits-0.8',
    });
  });

  it('reports a zones resource that fails, and still offers the world mix', async () => {
    backendGet.mockImplementation(() => Promise.reject(new Error('plugin unavailable')));
    await setup();
    expect(await screen.findByText(/could not load zones: plugin unavailable/)).toBeInTheDocument();
    await choose('config-zone', 'EEE');
  });

  it('stores the store path as typed', async () => {
    const { last } = await setup();
    fireEvent.change(input('config-path'), { target: { value: '/var/lib/arenawatt/votes.db' } });
    expect(last()).toEqual({ path: '/var/lib/arenawatt/votes.db' });
  });

  it('stores methodology, tie policy and CI method', async () => {
    const { last, onOptionsChange } = await setup({ path: '/data/a.db' });
    await choose('config-methodology', 'ecologits-0.8');
    expect(last()).toEqual({ path: '/data/a.db', methodology: 'ecologits-0.8' });
    onOptionsChange.mockClear();
    await choose('config-ties', 'Davidson');
    expect(last()).toEqual({ path: '/data/a.db', ties: 'davidson' });
    await choose('config-ci', 'Bootstrap');
    expect(last()).toEqual({ path: '/data/a.db', ci: 'bootstrap' });
  });

  it('stores numbers on blur and rejects values out of range', async () => {
    const { last, onOptionsChange } = await setup();
    fireEvent.change(input('config-pue'), { target: { value: '1.3' } });
    fireEvent.blur(input('config-pue'));
    expect(last()).toEqual({ pue: 1.3 });
    fireEvent.change(input('config-bootstrap-rounds'), { target: { value: '500' } });
    fireEvent.blur(input('config-bootstrap-rounds'));
    expect(last()).toEqual({ bootstrapRounds: 500 });
    onOptionsChange.mockClear();
    fireEvent.change(input('config-pue'), { target: { value: '0.5' } });
    fireEvent.blur(input('config-pue'));
    // a PUE below 1 is impossible: the key goes back to its default
    expect(last()).toEqual({});
  });

  it('gives every field a tooltip', async () => {
    await setup();
    const labels = Array.from(document.querySelectorAll('label'));
    const fields = ['Store path', 'Methodology', 'Electricity zone', 'PUE', 'WUE (L/kWh)', 'Tie policy', 'Confidence intervals', 'Bootstrap rounds'];
    for (const name of fields) {
      const label = labels.find((l) => l.textContent?.trim() === name);
      expect([name, label?.querySelector('svg') !== null && label !== undefined]).toEqual([name, true]);
    }
  });

  it('offers exactly the enum values of the query model', () => {
    expect(TIE_OPTIONS.map((o) => o.value)).toEqual([...TIE_POLICIES]);
    expect(CI_OPTIONS.map((o) => o.value)).toEqual([...CI_METHODS]);
    expect(METHODOLOGY_OPTIONS.map((o) => o.value)).toEqual([...METHODOLOGIES]);
  });
});
