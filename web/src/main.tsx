import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { PortalApp } from './pages/Portal.js';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {/* The vendor portal has no sign-in and its own layout: vendors never load the analysts' shell. */}
    {window.location.pathname === '/portal' || window.location.pathname.startsWith('/portal/') ? <PortalApp /> : <App />}
  </StrictMode>,
);
