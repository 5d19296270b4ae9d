/**
 * Small editor building blocks shared by the config and query editors: a
 * number input that commits on blur, and a hook that loads a backend resource
 * as select options.
 */
import React, { useEffect, useState } from 'react';
import { SelectableValue } from '@grafana/data';
import { Input } from '@grafana/ui';

import { ResourceFetcher, ResourceName, toOptions } from '../resources';

interface NumberInputProps {
  id: string;
  value: number | string | null | undefined;
  placeholder?: string;
  width?: number;
  min?: number;
  step?: number;
  /** `undefined` when the input is emptied: the key goes back to its default. */
  onCommit: (value: number | string | undefined) => void;
}

/**
 * A number input that also accepts a template variable (`$min_votes`), and
 * commits on blur so that typing does not run a query per keystroke.
 */
export function NumberInput({ id, value, placeholder, width = 16, min, step, onCommit }: NumberInputProps) {
  const [text, setText] = useState(value === null || value === undefined ? '' : String(value));
  useEffect(() => {
    setText(value === null || value === undefined ? '' : String(value));
  }, [value]);
  const commit = () => {
    const trimmed = text.trim();
    if (trimmed === '') {
      onCommit(undefined);
    } else if (trimmed.startsWith('$')) {
      onCommit(trimmed);
    } else {
      const n = Number(trimmed);
      onCommit(Number.isFinite(n) && (min === undefined || n >= min) ? n : undefined);
    }
  };
  return (
    <Input
      id={id}
      width={width}
      value={text}
      placeholder={placeholder}
      inputMode="decimal"
      step={step}
      onChange={(e) => setText(e.currentTarget.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          commit();
        }
      }}
    />
  );
}

/**
 * Loads a resource, again when its params change; while it loads, or when it
 * fails, the fallback options are used.
 */
export function useResourceOptions(
  fetch: ResourceFetcher | undefined,
  name: ResourceName,
  fallback: Array<SelectableValue<string>> = [],
  params?: Record<string, string>
): { options: Array<SelectableValue<string>>; loading: boolean; error?: string } {
  const paramsKey = JSON.stringify(params ?? {});
  const [state, setState] = useState<{ options: Array<SelectableValue<string>>; loading: boolean; error?: string }>({
    options: fallback,
    loading: fetch !== undefined,
  });
  useEffect(() => {
    if (!fetch) {
      return;
    }
    let live = true;
    const query = JSON.parse(paramsKey) as Record<string, string>;
    (Object.keys(query).length ? fetch(name, query) : fetch(name))
      .then((body) => {
        const options = toOptions(body, name);
        if (live) {
          setState({ options: options.length ? options : fallback, loading: false });
        }
      })
      .catch((err: unknown) => {
        if (live) {
          const message = err instanceof Error ? err.message : (err as { statusText?: string })?.statusText;
          setState({ options: fallback, loading: false, error: `could not load ${name}: ${message ?? 'unknown error'}` });
        }
      });
    return () => {
      live = false;
    };
    // The fallback is a constant per call site; reloading on its identity would loop.
  }, [fetch, name, paramsKey]);
  return state;
}
