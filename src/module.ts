/**
 * The plugin's entry point: wires the data source class to its editors.
 */
import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import { ArenawattQuery, ArenawattSettings } from './types';

export const plugin = new DataSourcePlugin<DataSource, ArenawattQuery, ArenawattSettings>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
