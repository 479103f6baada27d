import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { startSync } from './store/sync.ts';
import { startRoutes } from './routes/sync.ts';
import { dropTokenFromAddress } from './routes/token.ts';

startSync();
// Hash routes and the token's leaving the address bar (routes/).
startRoutes();
void dropTokenFromAddress();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
