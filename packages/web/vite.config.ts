import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Two pages, served by Parley itself: the agent workspace at /workspace and the visitor window at
// /chat. Shared code lands in hashed files under /assets/, which Parley serves with a long cache.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Maps are kept beside the build for reading error reports, never linked from the bundles, and
    // Parley refuses to serve them (src/http/web/web-routes.ts): they would publish the sources.
    sourcemap: 'hidden',
    rollupOptions: {
      input: { workspace: here('workspace/index.html'), chat: here('chat/index.html') },
    },
  },
});
