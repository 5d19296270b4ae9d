// Builds the browser test's host page (tests/browser/host/index.tsx) into
// test-output/browser/host/host.js, from the same installed react, rxjs and
// @grafana/* packages that the plugin's dist/module.js expects from Grafana.
// Development mode: React's development build reports the warnings (keys,
// props, act) that the test turns into failures.
const path = require('path');

const root = path.resolve(__dirname, '..', '..');

module.exports = {
  mode: 'development',
  devtool: false,
  context: root,
  entry: { host: './tests/browser/host/index.tsx' },
  output: {
    path: path.resolve(root, 'test-output', 'browser', 'host'),
    filename: '[name].js',
    publicPath: '/host/',
    clean: true,
  },
  resolve: { extensions: ['.ts', '.tsx', '.js', '.jsx', '.mjs'] },
  module: {
    rules: [
      // @grafana/ui's ES modules import `ol/geom` without an extension.
      { test: /\.m?js$/, resolve: { fullySpecified: false } },
      {
        test: /\.[tj]sx?$/,
        exclude: /node_modules/,
        use: {
          loader: 'swc-loader',
          options: {
            jsc: {
              target: 'es2020',
              parser: { syntax: 'typescript', tsx: true },
              transform: { react: { runtime: 'classic' } },
            },
          },
        },
      },
      // A few @grafana/ui dependencies import their CSS; the editors do not need it.
      { test: /\.css$/, type: 'asset/source' },
      { test: /\.(svg|png|woff2?)$/, type: 'asset/resource' },
    ],
  },
  performance: { hints: false },
  infrastructureLogging: { level: 'warn' },
  stats: 'errors-warnings',
};
