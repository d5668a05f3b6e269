import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@fontsource-variable/inter';
import './styles.css';
import { App } from './App';
import { LoginScreen } from './features/team/LoginScreen';
import { serveMode } from './features/team/session';
import { takeToken } from './api/ws-transport';

const root = createRoot(document.getElementById('root')!);

async function start() {
  // A team server's page signs in first; the app's client (picked once, at import) has no token until the reload after it.
  if (!window.datanetStudio && !takeToken() && (await serveMode()) === 'team') {
    root.render(
      <StrictMode>
        <LoginScreen onSignedIn={() => window.location.reload()} />
      </StrictMode>,
    );
    return;
  }
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

void start();
