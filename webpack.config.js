// Builds src/module.ts into dist/module.js the way Grafana loads plugins: one
// AMD module whose React, RxJS and @grafana/* imports come from the running
// Grafana (externals), as @grafana/create-plugin does. The rest of dist/ (plugin.json,
// dashboards, backend binaries) is assembled by scripts/dist.sh.
const path = require('path');

const pluginId = 'arenawatt-energy-datasource';

module.exports = (_env, argv) => {
  const production = argv.mode !== 'development';
  return {
    mode: production ? 'production' : 'development',
    devtool: production ? 'source-map' : 'eval-source-map',
    context: __dirname,
    entry: { module: './src/module.ts' },
    externals: [
      'react',
      'react-dom',
      'rxjs',
      /^rxjs\/.*/,
      /^@grafana\/ui/i,
      /^@grafana\/runtime/i,
      /^@grafana\/data/i,
      /^@grafana\/schema/i,
    ],
    output: {
      path: path.resolve(__dirname, 'dist'),
      filename: '[name].js',
      library: { type: 'amd' },
      publicPath: `public/plugins/${pluginId}/`,
      uniqueName: pluginId,
      clean: false,
    },
    resolve: {
      extensions: ['.ts', '.tsx', '.js', '.jsx'],
    },
    module: {
      rules: [
        {
          test: /\.[tj]sx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                baseUrl: path.resolve(__dirname, 'src'),
                target: 'es2015',
                loose: false,
                parser: { syntax: 'typescript', tsx: true, decorators: false, dynamicImport: true },
                transform: { react: { runtime: 'classic' } },
              },
            },
          },
        },
        {
          test: /\.svg$/,
          type: 'asset/resource',
          generator: { filename: 'img/[name][ext]' },
        },
      ],
    },
    performance: { hints: false },
  };
};
