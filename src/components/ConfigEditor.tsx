/**
 * The data source settings page: where the votes live, and the defaults every
 * query uses unless it sets its own. Each field's tooltip says what it changes.
 */
import React, { useCallback } from 'react';
import { DataSourcePluginOptionsEditorProps, SelectableValue } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { FieldSet, InlineField, InlineSwitch, Input, Select } from '@grafana/ui';

import { ResourceFetcher, ResourceName, withCurrent } from '../resources';
import { ArenawattSettings, DEFAULT_SETTINGS } from '../types';
import { NumberInput, useResourceOptions } from './fields';

export type Props = DataSourcePluginOptionsEditorProps<ArenawattSettings>;

const LABEL_WIDTH = 22;

export const TIE_OPTIONS: Array<SelectableValue<string>> = [
  { value: 'half', label: 'Half a win', description: 'A tie is half a win for each side (LMSYS, compar:IA)' },
  { value: 'drop', label: 'Drop', description: 'Ties are ignored' },
  { value: 'davidson', label: 'Davidson', description: "Davidson's model, with a fitted tie parameter" },
];

export const CI_OPTIONS: Array<SelectableValue<string>> = [
  { value: 'sandwich', label: 'Sandwich', description: 'Robust covariance: fast, and honest when there are ties' },
  { value: 'fisher', label: 'Fisher', description: 'Inverse Fisher information' },
  { value: 'bootstrap', label: 'Bootstrap', description: 'Seeded Poisson bootstrap of the pair counts (slower)' },
  { value: 'none', label: 'None', description: 'No confidence intervals' },
];

export const METHODOLOGY_OPTIONS: Array<SelectableValue<string>> = [
  { value: 'ecologits-0.11', label: 'EcoLogits 0.11', description: 'Current EcoLogits methodology (0.10–0.11)' },
  { value: 'ecologits-0.8', label: 'EcoLogits 0.8', description: 'EcoLogits 0.8.2: ranges, PUE 1.2' },
  {
    value: 'comparia-2026-02',
    label: 'compar:IA 2026-02',
    description: "compar:IA's Feb-2026 graph: EcoLogits 0.8.2 with its rounding",
  },
];

const ZONE_FALLBACK: Array<SelectableValue<string>> = [
  { value: 'WOR', label: 'WOR', description: 'World average' },
  { value: 'EEE', label: 'EEE', description: 'Europe' },
];

/** The backend's resources for a saved data source (the config page has no data source instance). */
export function backendResourceFetcher(uid: string): ResourceFetcher {
  return (name: ResourceName, params?: Record<string, string>) =>
    getBackendSrv().get(`/api/datasources/uid/${uid}/resources/${name}`, params);
}

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const jsonData = options.jsonData ?? {};
  const set = useCallback(
    <K extends keyof ArenawattSettings>(key: K, value: ArenawattSettings[K] | undefined) => {
      const next = { ...options.jsonData };
      if (value === undefined) {
        delete next[key];
      } else {
        next[key] = value;
      }
      onOptionsChange({ ...options, jsonData: next });
    },
    [options, onOptionsChange]
  );
  const fetcher = React.useMemo(() => (options.uid ? backendResourceFetcher(options.uid) : undefined), [options.uid]);
  // Zones differ between methodology versions (their electricity mixes).
  const zones = useResourceOptions(fetcher, 'zones', ZONE_FALLBACK, {
    methodology: jsonData.methodology ?? DEFAULT_SETTINGS.methodology,
  });
  const methodologies = useResourceOptions(fetcher, 'methodologies', METHODOLOGY_OPTIONS);

  return (
    <>
      <FieldSet label="Store">
        <InlineField
          label="Store path"
          labelWidth={LABEL_WIDTH}
          tooltip="Path of the SQLite store written by `arenawatt import`, as the Grafana server sees it. Leave empty to serve the bundled demo data. The store is opened read-only; the health check reports a missing or corrupt file."
          grow
        >
          <Input
            id="config-path"
            value={jsonData.path ?? ''}
            placeholder="empty = bundled demo data"
            onChange={(e) => set('path', e.currentTarget.value)}
          />
        </InlineField>
        <InlineField
          label="Read-only folder"
          labelWidth={LABEL_WIDTH}
          tooltip="Turn on when the store sits in a folder Grafana's user cannot write to and its -shm file is missing: the store is then opened immutable (SQLite immutable=1). Replace the file rather than importing into it: the plugin notices the new file."
        >
          <InlineSwitch
            id="config-read-only"
            value={jsonData.readOnly ?? DEFAULT_SETTINGS.readOnly}
            onChange={(e) => set('readOnly', e.currentTarget.checked || undefined)}
          />
        </InlineField>
      </FieldSet>
      <FieldSet label="Energy defaults">
        <InlineField
          label="Methodology"
          labelWidth={LABEL_WIDTH}
          tooltip="EcoLogits methodology version used to estimate energy per 1000 output tokens, unless a query sets its own. Every energy figure names the version it follows."
        >
          <Select
            inputId="config-methodology"
            width={32}
            options={withCurrent(methodologies.options, [jsonData.methodology])}
            value={jsonData.methodology ?? DEFAULT_SETTINGS.methodology}
            onChange={(v) => set('methodology', v?.value)}
          />
        </InlineField>
        <InlineField
          label="Electricity zone"
          labelWidth={LABEL_WIDTH}
          tooltip="Electricity mix (ISO 3166 alpha-3 code, WOR = world, EEE = Europe) that turns energy into gCO2e and the other impacts. Energy itself does not depend on the zone."
          error={zones.error}
          invalid={zones.error !== undefined}
        >
          <Select
            inputId="config-zone"
            width={32}
            isSearchable
            isLoading={zones.loading}
            allowCustomValue
            options={withCurrent(zones.options, [jsonData.zone])}
            value={jsonData.zone ?? DEFAULT_SETTINGS.zone}
            onChange={(v) => set('zone', v?.value)}
          />
        </InlineField>
        <InlineField
          label="PUE"
          labelWidth={LABEL_WIDTH}
          tooltip="Power usage effectiveness of the data centre: energy = PUE × IT energy. compar:IA uses 1.15. Ignored by ecologits-0.8, which fixes PUE at 1.2."
        >
          <NumberInput
            id="config-pue"
            value={jsonData.pue}
            placeholder={String(DEFAULT_SETTINGS.pue)}
            min={1}
            onCommit={(v) => set('pue', typeof v === 'number' ? v : undefined)}
          />
        </InlineField>
        <InlineField
          label="WUE (L/kWh)"
          labelWidth={LABEL_WIDTH}
          tooltip="On-site water usage effectiveness, in litres per kWh of IT energy: changes the water figures only. compar:IA uses 1.8."
        >
          <NumberInput
            id="config-wue"
            value={jsonData.wue}
            placeholder={String(DEFAULT_SETTINGS.wue)}
            min={0}
            onCommit={(v) => set('wue', typeof v === 'number' ? v : undefined)}
          />
        </InlineField>
      </FieldSet>
      <FieldSet label="Rating defaults">
        <InlineField
          label="Tie policy"
          labelWidth={LABEL_WIDTH}
          tooltip="How a tied vote enters the Bradley–Terry fit. Changes the BT scores and ranks of models that tie often."
        >
          <Select
            inputId="config-ties"
            width={32}
            options={TIE_OPTIONS}
            value={jsonData.ties ?? DEFAULT_SETTINGS.ties}
            onChange={(v) => set('ties', v?.value as ArenawattSettings['ties'])}
          />
        </InlineField>
        <InlineField
          label="Confidence intervals"
          labelWidth={LABEL_WIDTH}
          tooltip="How the BT score intervals (bt_ci_low, bt_ci_high) and the rank intervals are computed. Changes the interval widths, not the scores."
        >
          <Select
            inputId="config-ci"
            width={32}
            options={CI_OPTIONS}
            value={jsonData.ci ?? DEFAULT_SETTINGS.ci}
            onChange={(v) => set('ci', v?.value as ArenawattSettings['ci'])}
          />
        </InlineField>
        <InlineField
          label="Bootstrap rounds"
          labelWidth={LABEL_WIDTH}
          tooltip="Number of bootstrap fits when the CI method is bootstrap. More rounds give steadier intervals and slower queries."
        >
          <NumberInput
            id="config-bootstrap-rounds"
            value={jsonData.bootstrapRounds}
            placeholder={String(DEFAULT_SETTINGS.bootstrapRounds)}
            min={1}
            onCommit={(v) => set('bootstrapRounds', typeof v === 'number' ? Math.round(v) : undefined)}
          />
        </InlineField>
      </FieldSet>
    </>
  );
}
