/**
 * The host page of the browser test: a small stand-in for Grafana's frontend
 * shell, built by webpack from the SAME installed versions of react,
 * react-dom, rxjs and @grafana/{data,ui,runtime,schema} that the plugin is
 * built against.
 *
 * It does what Grafana does before it shows a plugin's editors: provides the
 * shared modules to the plugin's AMD bundle (a minimal `define`), installs
 * the @grafana/runtime services the editors call (the backend service talks
 * to the test's local HTTP server, which answers through the real
 * `gpx_arenawatt`), loads `dist/module.js` with a script tag, takes its
 * `plugin` export and mounts one editor inside Grafana's theme, global styles
 * and portal container:
 *
 * - `?editor=config`: `plugin.components.ConfigEditor` with the settings of a
 *   saved data source (uid `arenawatt`), as on the data source page;
 * - `?editor=query&type=T`: `plugin.components.QueryEditor` for query type T,
 *   with the props of a panel editor's query row;
 * - `?editor=variable`: the variable editor Grafana mounts for a data source
 *   with `DataSourceVariableSupport` (the plugin's QueryEditor, with the
 *   variable support's default query merged in, as Grafana's
 *   `QueryEditor` of the variable settings page does).
 *
 * Each `onChange` / `onOptionsChange` call is recorded in
 * `window.arenawattHost.changes` for the test to inspect, and
 * `window.arenawattHost.runQuery` runs a query as a panel would, through
 * `DataSourceWithBackend.query` and `/api/ds/query`.
 */
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import { createRoot } from 'react-dom/client';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaSchema from '@grafana/schema';
import * as grafanaUi from '@grafana/ui';

const {
  CoreApp,
  LoadingState,
  PluginType,
  ThemeContext,
  dateTime,
  urlUtil,
} = grafanaData;

const PLUGIN_ID = 'arenawatt-energy-datasource';
const DATASOURCE_UID = 'arenawatt';
const MODULE_URL = `/public/plugins/${PLUGIN_ID}/module.js`;

/** What the test reads back from the page. */
/** What a query returned, reduced to what the test checks. */
interface QuerySummary {
  error?: string;
  frames: Array<{ refId?: string; name?: string; length: number; fields: Record<string, unknown[]> }>;
}

interface HostState {
  status: 'loading' | 'mounted' | 'failed';
  /** Runs a query the way a panel does (`DataSourceWithBackend.query` → `/api/ds/query`). */
  runQuery?: (query: grafanaData.DataQuery) => Promise<QuerySummary>;
  error?: string;
  editor: string;
  queryType?: string;
  changes: unknown[];
  runs: number;
  requests: string[];
}

const state: HostState = { status: 'loading', editor: '', changes: [], runs: 0, requests: [] };
(window as unknown as { arenawattHost: HostState }).arenawattHost = state;

// ---- the shared modules, under the names the plugin's AMD bundle asks for
const SHARED_MODULES: Record<string, unknown> = {
  react: React,
  'react-dom': ReactDOM,
  rxjs,
  'rxjs/operators': rxjsOperators,
  '@grafana/data': grafanaData,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/schema': grafanaSchema,
  '@grafana/ui': grafanaUi,
};

type Factory = (...deps: unknown[]) => unknown;

/**
 * Loads one AMD module by script tag: its anonymous `define(deps, factory)`
 * is resolved against the shared modules, as Grafana's SystemJS does.
 */
function loadAmdModule(url: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const global = window as unknown as { define?: unknown };
    const define = (depsOrFactory: string[] | Factory, maybeFactory?: Factory) => {
      const deps = Array.isArray(depsOrFactory) ? depsOrFactory : [];
      const factory = (Array.isArray(depsOrFactory) ? maybeFactory : depsOrFactory) as Factory;
      try {
        const exportsObject: Record<string, unknown> = {};
        const resolved = deps.map((name) => {
          if (name === 'exports') {
            return exportsObject;
          }
          if (!(name in SHARED_MODULES)) {
            throw new Error(`${url} needs module ${name}, which Grafana does not share with plugins`);
          }
          return SHARED_MODULES[name];
        });
        const returned = factory(...resolved);
        resolve((returned as Record<string, unknown>) ?? exportsObject);
      } catch (e) {
        reject(e);
      }
    };
    (define as unknown as { amd: object }).amd = {};
    global.define = define;
    const script = document.createElement('script');
    script.src = url;
    script.onerror = () => reject(new Error(`could not load ${url}`));
    document.head.appendChild(script);
  });
}

// ---- @grafana/runtime services

/** A FetchError-like rejection, as Grafana's backend service raises. */
function fetchError(status: number, statusText: string, data: unknown, url: string) {
  return { status, statusText, data, config: { url }, message: `${status} ${statusText} for ${url}` };
}

function withParams(url: string, params?: Record<string, unknown>): string {
  if (!params || Object.keys(params).length === 0) {
    return url;
  }
  const query = urlUtil.toUrlParams(params as grafanaData.UrlQueryMap);
  return query ? `${url}${url.includes('?') ? '&' : '?'}${query}` : url;
}

/** Grafana's backend service, reduced to what data source plugins call. */
class TestBackendSrv {
  fetch<T>(options: grafanaRuntime.BackendSrvRequest): rxjs.Observable<grafanaRuntime.FetchResponse<T>> {
    const url = withParams(options.url, options.params);
    const method = (options.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    let body: string | undefined;
    if (options.data !== undefined && method !== 'GET') {
      body = typeof options.data === 'string' ? options.data : JSON.stringify(options.data);
      headers['Content-Type'] = headers['Content-Type'] ?? 'application/json';
    }
    state.requests.push(`${method} ${url}`);
    return rxjs.from(
      window.fetch(url, { method, headers, body }).then(async (response) => {
        const text = await response.text();
        let data: unknown = text;
        try {
          data = text === '' ? undefined : JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        if (!response.ok) {
          throw fetchError(response.status, response.statusText, data, url);
        }
        return {
          data: data as T,
          status: response.status,
          statusText: response.statusText,
          ok: response.ok,
          headers: response.headers,
          redirected: response.redirected,
          type: response.type,
          url: response.url,
          config: options,
        };
      })
    );
  }

  private promise<T>(options: grafanaRuntime.BackendSrvRequest): Promise<T> {
    return rxjs.lastValueFrom(this.fetch<T>(options)).then((r) => r.data);
  }

  get<T>(url: string, params?: Record<string, unknown>, requestId?: string, options?: Partial<grafanaRuntime.BackendSrvRequest>) {
    return this.promise<T>({ ...options, url, params, requestId, method: 'GET' });
  }
  delete<T>(url: string, data?: unknown, options?: Partial<grafanaRuntime.BackendSrvRequest>) {
    return this.promise<T>({ ...options, url, data, method: 'DELETE' });
  }
  post<T>(url: string, data?: unknown, options?: Partial<grafanaRuntime.BackendSrvRequest>) {
    return this.promise<T>({ ...options, url, data, method: 'POST' });
  }
  patch<T>(url: string, data?: unknown, options?: Partial<grafanaRuntime.BackendSrvRequest>) {
    return this.promise<T>({ ...options, url, data, method: 'PATCH' });
  }
  put<T>(url: string, data?: unknown, options?: Partial<grafanaRuntime.BackendSrvRequest>) {
    return this.promise<T>({ ...options, url, data, method: 'PUT' });
  }
  request<T>(options: grafanaRuntime.BackendSrvRequest) {
    return this.promise<T>(options);
  }
  datasourceRequest<T>(options: grafanaRuntime.BackendSrvRequest) {
    return rxjs.lastValueFrom(this.fetch<T>(options));
  }
  chunked(): never {
    throw new Error('chunked requests are not used by this plugin');
  }
}

/** Grafana's template service with no dashboard variables defined. */
class EmptyTemplateSrv {
  getVariables() {
    return [];
  }
  replace(target?: string) {
    return target ?? '';
  }
  containsTemplate() {
    return false;
  }
  updateTimeRange() {}
}

function instanceSettings(meta: grafanaData.DataSourcePluginMeta): grafanaData.DataSourceInstanceSettings {
  return {
    id: 1,
    uid: DATASOURCE_UID,
    type: PLUGIN_ID,
    name: 'arenawatt',
    access: 'proxy',
    readOnly: false,
    jsonData: {},
    meta,
  };
}

function pluginMeta(): grafanaData.DataSourcePluginMeta {
  return {
    id: PLUGIN_ID,
    name: 'arenawatt',
    type: PluginType.datasource,
    module: MODULE_URL,
    baseUrl: `public/plugins/${PLUGIN_ID}`,
    backend: true,
    info: {
      author: { name: 'arenawatt' },
      description: 'test host',
      links: [],
      logos: { small: '', large: '' },
      screenshots: [],
      updated: '',
      version: '0.1.0',
    },
  };
}

// ---- mounting

function Shell({ children }: { children: React.ReactNode }) {
  const theme = grafanaRuntime.config.theme2;
  return (
    <ThemeContext.Provider value={theme}>
      <grafanaUi.GlobalStyles />
      <div id="editor" style={{ padding: 16, background: theme.colors.background.primary }}>
        {children}
      </div>
      <grafanaUi.PortalContainer />
    </ThemeContext.Provider>
  );
}

function Recorder<P>({ render }: { render: (record: (value: P) => void) => React.ReactNode }) {
  const [, setVersion] = React.useState(0);
  const record = React.useCallback((value: P) => {
    state.changes.push(JSON.parse(JSON.stringify(value)));
    setVersion((v) => v + 1);
  }, []);
  return <>{render(record)}</>;
}

async function main() {
  const search = new URLSearchParams(window.location.search);
  state.editor = search.get('editor') ?? 'query';
  state.queryType = search.get('type') ?? undefined;

  const backendSrv = new TestBackendSrv();
  grafanaRuntime.setBackendSrv(backendSrv as unknown as grafanaRuntime.BackendSrv);
  grafanaRuntime.setTemplateSrv(new EmptyTemplateSrv() as unknown as grafanaRuntime.TemplateSrv);

  const pluginModule = await loadAmdModule(MODULE_URL);
  const plugin = pluginModule.plugin as grafanaData.DataSourcePlugin<grafanaData.DataSourceApi>;
  if (!(plugin instanceof grafanaData.DataSourcePlugin)) {
    throw new Error('dist/module.js does not export a DataSourcePlugin named plugin');
  }
  const meta = pluginMeta();
  plugin.meta = meta;
  const settings = instanceSettings(meta);
  const DataSourceClass = plugin.DataSourceClass as unknown as new (
    s: grafanaData.DataSourceInstanceSettings
  ) => grafanaData.DataSourceApi;
  const datasource = new DataSourceClass(settings);
  grafanaRuntime.setDataSourceSrv({
    get: async () => datasource,
    getList: () => [settings],
    getInstanceSettings: () => settings,
    reload: () => {},
    registerRuntimeDataSource: () => {},
  } as unknown as grafanaRuntime.DataSourceSrv);

  const now = dateTime();
  const timeRange: grafanaData.TimeRange = {
    from: dateTime(now).subtract(180, 'd'),
    to: now,
    raw: { from: 'now-180d', to: 'now' },
  };
  const data: grafanaData.PanelData = { series: [], state: LoadingState.Done, timeRange };
  state.runQuery = async (query) => {
    const request = {
      requestId: 'browser-test',
      app: CoreApp.PanelEditor,
      interval: '1d',
      intervalMs: 86_400_000,
      maxDataPoints: 1000,
      range: timeRange,
      scopedVars: {},
      targets: [query],
      timezone: 'browser',
      startTime: Date.now(),
    } as grafanaData.DataQueryRequest;
    const response = await rxjs.lastValueFrom(rxjs.from(datasource.query(request)));
    return {
      error: response.error?.message,
      frames: response.data.map((frame: grafanaData.DataFrame) => ({
        refId: frame.refId,
        name: frame.name,
        length: frame.length,
        fields: Object.fromEntries(frame.fields.map((f) => [f.name, [...f.values]])),
      })),
    };
  };
  const onRunQuery = () => {
    state.runs += 1;
  };

  let element: React.ReactNode;
  if (state.editor === 'config') {
    const maybeConfigEditor = plugin.components.ConfigEditor;
    if (!maybeConfigEditor) {
      throw new Error('the plugin has no ConfigEditor');
    }
    const ConfigEditor = maybeConfigEditor;
    const initial: grafanaData.DataSourceSettings = {
      id: 1,
      uid: DATASOURCE_UID,
      orgId: 1,
      name: 'arenawatt',
      type: PLUGIN_ID,
      typeName: 'arenawatt',
      typeLogoUrl: '',
      access: 'proxy',
      url: '',
      user: '',
      database: '',
      basicAuth: false,
      basicAuthUser: '',
      isDefault: true,
      jsonData: {},
      secureJsonFields: {},
      readOnly: false,
      withCredentials: false,
    };
    function ConfigPage() {
      const [options, setOptions] = React.useState(initial);
      return (
        <Recorder<grafanaData.DataSourceSettings>
          render={(record) => (
            <ConfigEditor
              options={options}
              onOptionsChange={(next: grafanaData.DataSourceSettings) => {
                record(next);
                setOptions(next);
              }}
            />
          )}
        />
      );
    }
    element = <ConfigPage />;
  } else {
    const maybeQueryEditor = plugin.components.QueryEditor;
    if (!maybeQueryEditor) {
      throw new Error('the plugin has no QueryEditor');
    }
    let QueryEditor = maybeQueryEditor;
    let initialQuery: grafanaData.DataQuery;
    let app: string | undefined;
    if (state.editor === 'variable') {
      // A new query variable's query is empty: Grafana merges in the
      // variable support's default query (no refId).
      // Which editor Grafana mounts depends on the kind of variable support:
      // its own editor for a custom one, the plugin's QueryEditor for a
      // data source one.
      const variables = datasource.variables;
      const kind = variables?.getType();
      if (kind === grafanaData.VariableSupportType.Custom) {
        QueryEditor = (variables as grafanaData.CustomVariableSupport<grafanaData.DataSourceApi>)
          .editor as typeof QueryEditor;
      } else if (kind !== grafanaData.VariableSupportType.Datasource) {
        throw new Error(`the host mounts custom or data source variable support, not ${kind ?? 'none'}`);
      }
      const withDefaults = variables as grafanaData.DataSourceVariableSupport<grafanaData.DataSourceApi>;
      initialQuery = { ...(withDefaults.getDefaultQuery?.() ?? {}) } as grafanaData.DataQuery;
    } else {
      const defaults = datasource.getDefaultQuery?.(CoreApp.PanelEditor) ?? {};
      initialQuery = { refId: 'A', datasource: { type: PLUGIN_ID, uid: DATASOURCE_UID }, ...defaults, queryType: state.queryType };
      app = CoreApp.PanelEditor;
    }
    function QueryPage() {
      const [query, setQuery] = React.useState(initialQuery);
      return (
        <Recorder<grafanaData.DataQuery>
          render={(record) => (
            <QueryEditor
              datasource={datasource}
              query={query}
              onChange={(next: grafanaData.DataQuery) => {
                record(next);
                setQuery(next);
              }}
              onRunQuery={onRunQuery}
              onBlur={() => {}}
              data={data}
              range={timeRange}
              history={[]}
              queries={[query]}
              app={app as grafanaData.CoreApp | undefined}
            />
          )}
        />
      );
    }
    element = <QueryPage />;
  }

  const container = document.getElementById('root');
  if (!container) {
    throw new Error('the host page has no #root');
  }
  createRoot(container).render(<Shell>{element}</Shell>);
  state.status = 'mounted';
}

main().catch((e: unknown) => {
  state.status = 'failed';
  state.error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : JSON.stringify(e);
  console.error(`host: ${state.error}`);
});
