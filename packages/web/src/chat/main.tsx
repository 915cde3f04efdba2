import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/fonts.css';
import './chat.css';
import { ChatApp } from './chat-app.js';
import { readChatParams } from './chat-params.js';

const root = document.getElementById('root');
if (root === null) throw new Error('chat/index.html has no #root');

createRoot(root).render(
  <StrictMode>
    <ChatApp params={readChatParams(window.location)} />
  </StrictMode>,
);
