// What the console's single-page app takes from the contracts: the parts that run in a browser (Alertmanager
// matchers for the filter bar and the silence preview, execution statuses). The full index also holds Node-only code (event ids
// hash with node:crypto); the app's Vite config points `@firebreak/contracts` here, and types come from the index.
export * from './matchers';
export * from './execution-status';
