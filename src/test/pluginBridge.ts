/**
 * Runs the real `gpx_arenawatt` from Node, through the Grafana stand-in
 * `examples/grafana_bridge.rs`, so that tests see what Grafana's frontend
 * sees: `/api/ds/query` results (frame JSON, for `toDataQueryResponse`),
 * resource answers and the health check.
 *
 * The binaries come from `cargo build --all-targets` (the debug profile) in
 * `target/` at the repository root, or in `ARENAWATT_TARGET_DIR`.
 */
import type { DataFrameJSON } from '@grafana/data';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** One refId's answer, as `/api/ds/query` writes it. */
export interface BackendResult {
  status: number;
  error?: string;
  errorSource?: string;
  frames?: DataFrameJSON[];
}

/** The `/api/ds/query` body: `{results: {A: ..., B: ...}}`. */
export interface BackendResults {
  results: Record<string, BackendResult>;
}

export interface ResourceAnswer {
  status: number;
  headers: Record<string, string[]>;
  /** Parsed JSON when the body is JSON, else the text. */
  body: unknown;
}

export interface HealthAnswer {
  status: 'OK' | 'ERROR' | 'UNKNOWN';
  message: string;
  jsonDetails: unknown;
}

export interface TimeRangeMs {
  from: number;
  to: number;
}

export type Role = 'Admin' | 'Editor' | 'Viewer' | 'None';

export interface BridgeOptions {
  /** Default data source settings (jsonData); `{}` is the bundled demo data. */
  jsonData?: Record<string, unknown>;
  /** Where the plugin keeps the demo store (default: its own temp folder). */
  demoStore?: string;
  /** The cargo target folder (default: `ARENAWATT_TARGET_DIR` or `<repo>/target`). */
  targetDir?: string;
}

export interface Bridge {
  query(
    queries: Array<Record<string, unknown>>,
    range?: TimeRangeMs,
    jsonData?: Record<string, unknown>,
    role?: Role
  ): Promise<BackendResults>;
  resource(
    path: string,
    query?: string,
    options?: { httpMethod?: string; body?: unknown; jsonData?: Record<string, unknown>; role?: Role }
  ): Promise<ResourceAnswer>;
  health(jsonData?: Record<string, unknown>): Promise<HealthAnswer>;
  /** The plugin's and the bridge's stderr so far, for failure messages. */
  stderr(): string;
  close(): Promise<void>;
}

/** The repository root (this file is `src/test/pluginBridge.ts`). */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/** The two binaries the bridge needs, failing with what to run when absent. */
export function bridgeBinaries(targetDir?: string): { bridge: string; plugin: string } {
  const target = targetDir ?? process.env.ARENAWATT_TARGET_DIR ?? resolve(REPO_ROOT, 'target');
  const bridge = resolve(target, 'debug', 'examples', 'grafana_bridge');
  const plugin = resolve(target, 'debug', 'gpx_arenawatt');
  for (const binary of [bridge, plugin]) {
    if (!existsSync(binary)) {
      throw new Error(`${binary} is missing: run \`cargo build --all-targets\` first`);
    }
  }
  return { bridge, plugin };
}

interface Pending {
  resolve: (answer: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  what: string;
}

/** Starts the bridge (and so the plugin) and waits until it is connected. */
export function startBridge(options: BridgeOptions = {}): Promise<Bridge> {
  const { bridge, plugin } = bridgeBinaries(options.targetDir);
  const args = ['--plugin', plugin];
  if (options.jsonData) {
    args.push('--json-data', JSON.stringify(options.jsonData));
  }
  if (options.demoStore) {
    args.push('--demo-store', options.demoStore);
  }
  const child: ChildProcess = spawn(bridge, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    // Keep the tail only: the plugin logs every request.
    stderr = (stderr + chunk).slice(-20000);
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let exited: string | undefined;

  return new Promise<Bridge>((resolveStart, rejectStart) => {
    let ready = false;
    const failAll = (reason: string) => {
      exited = reason;
      const error = new Error(`${reason}\n--- bridge stderr ---\n${stderr}`);
      if (!ready) {
        rejectStart(error);
      }
      for (const [, p] of pending) {
        p.reject(new Error(`${p.what}: ${error.message}`));
      }
      pending.clear();
    };
    child.on('error', (e) => failAll(`grafana_bridge could not run: ${e.message}`));
    child.on('exit', (code, signal) => failAll(`grafana_bridge exited (code ${code}, signal ${signal})`));

    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let answer: Record<string, unknown>;
      try {
        answer = JSON.parse(line);
      } catch {
        stderr += `\nunparsable bridge line: ${line}`;
        return;
      }
      if (answer.ready === true && !ready) {
        ready = true;
        resolveStart(api);
        return;
      }
      const id = answer.id;
      const waiting = typeof id === 'number' ? pending.get(id) : undefined;
      if (!waiting) {
        stderr += `\nbridge answer for no request: ${line}`;
        return;
      }
      pending.delete(id as number);
      if (typeof answer.error === 'string' && !('results' in answer)) {
        waiting.reject(new Error(`${waiting.what}: ${answer.error}`));
      } else {
        waiting.resolve(answer);
      }
    });

    const send = (request: Record<string, unknown>, what: string): Promise<Record<string, unknown>> => {
      if (exited) {
        return Promise.reject(new Error(`${what}: ${exited}\n--- bridge stderr ---\n${stderr}`));
      }
      const id = nextId++;
      return new Promise((resolveAnswer, rejectAnswer) => {
        pending.set(id, { resolve: resolveAnswer, reject: rejectAnswer, what });
        child.stdin!.write(JSON.stringify({ ...request, id }) + '\n');
      });
    };

    const api: Bridge = {
      async query(queries, range, jsonData, role) {
        const answer = await send(
          { method: 'query', queries, range, jsonData, role },
          `query ${queries.map((q) => `${q.refId}:${q.queryType}`).join(',')}`
        );
        return { results: answer.results as Record<string, BackendResult> };
      },
      async resource(path, query = '', resourceOptions = {}) {
        const answer = await send(
          {
            method: 'resource',
            path,
            query,
            httpMethod: resourceOptions.httpMethod ?? 'GET',
            body: resourceOptions.body ?? null,
            jsonData: resourceOptions.jsonData,
            role: resourceOptions.role,
          },
          `resource ${path}?${query}`
        );
        return answer as unknown as ResourceAnswer;
      },
      async health(jsonData) {
        const answer = await send({ method: 'health', jsonData }, 'health');
        return answer as unknown as HealthAnswer;
      },
      stderr: () => stderr,
      close() {
        return new Promise<void>((resolveClose) => {
          if (exited) {
            resolveClose();
            return;
          }
          child.once('exit', () => resolveClose());
          child.stdin!.end();
        });
      },
    };
  });
}
