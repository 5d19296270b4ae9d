/**
 * The data source's instance settings as Grafana hands them to the plugin
 * (uid `arenawatt`, the provisioned one; empty jsonData = the bundled demo
 * data), shared by the tests that build a `DataSource`.
 */
import { DataSourceInstanceSettings, PluginType } from '@grafana/data';

import { ArenawattSettings } from '../types';

export const instanceSettings: DataSourceInstanceSettings<ArenawattSettings> = {
  id: 1,
  uid: 'arenawatt',
  type: 'arenawatt-energy-datasource',
  name: 'arenawatt',
  access: 'proxy',
  readOnly: false,
  jsonData: {},
  meta: {
    id: 'arenawatt-energy-datasource',
    name: 'arenawatt',
    type: PluginType.datasource,
    info: {
      author: { name: 'arenawatt' },
      description: '',
      links: [],
      logos: { small: '', large: '' },
      screenshots: [],
      updated: '',
      version: '0.1.0',
    },
    module: '',
    baseUrl: '',
  },
};
