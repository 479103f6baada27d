// The served mode: the renderer and the contract over HTTP + WebSocket on 127.0.0.1.
export { startServer, HOST, type ServerOptions, type RunningServer } from './server.ts';
export { runServeCommand, SERVE_USAGE } from './command.ts';
