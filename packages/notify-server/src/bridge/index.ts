/**
 * Browser-facing routes of the notify server: the terminal bridge (for `RemoteTerminal`) and
 * the signing route (for the direct topology). Each factory returns a `@koa/router` Router.
 */
export { createTerminalBridgeRouter, type TerminalBridgeOptions } from './terminal-routes.js';
export { createSigningRouter, type SigningRouteOptions } from './signing-routes.js';
export { bearerAuth, corsHeaders, corsPreflight, type AllowedOrigins, type BridgeLogger } from './http.js';
export { JobTable, type JobStage, type JobView } from './jobs.js';
export { startBridgeServer, type RunningBridge } from './serve.js';
