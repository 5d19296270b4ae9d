// Browser APIs that jsdom lacks and @grafana/ui components use.
import '@testing-library/jest-dom';
import { TextDecoder, TextEncoder } from 'util';

Object.assign(global, { TextEncoder, TextDecoder });

Object.defineProperty(window, 'matchMedia', {
  writable: true,
  value: (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  }),
});

class NoopObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
Object.assign(global, { ResizeObserver: NoopObserver, IntersectionObserver: NoopObserver });

HTMLCanvasElement.prototype.getContext = (() => null) as unknown as typeof HTMLCanvasElement.prototype.getContext;
window.HTMLElement.prototype.scrollIntoView = function () {};

// Icons load their SVG asynchronously, which only produces act() warnings in tests.
jest.mock('react-inlinesvg', () => {
  const { createElement } = jest.requireActual('react');
  return {
    __esModule: true,
    default: ({ src: _src, innerRef: _ref, cacheRequests: _c, ...rest }: Record<string, unknown>) =>
      createElement('svg', { ...rest, 'data-testid': 'icon' }),
  };
});

// i18next (inside @grafana/ui) advertises itself on console.info at start-up.
const consoleInfo = console.info;
console.info = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('i18next')) {
    return;
  }
  consoleInfo(...args);
};
