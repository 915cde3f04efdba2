import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Where `npm run build` puts the web apps (packages/web/dist), from src/http/web or dist/http/web. */
export const WEB_APPS_ROOT = fileURLToPath(new URL('../../../packages/web/dist/', import.meta.url));

/**
 * Script only from Parley itself, no inline script, no plug-ins: even if hostile HTML got past
 * both sanitisers it could not run. Inline styles stay allowed for React's style attributes.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: https:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
];

/**
 * The agent workspace at /workspace and the visitor window at /chat (packages/web), plus the embed
 * script at /chat/embed.js. The workspace may not be framed; the visitor window is made to be
 * framed by any site that embeds it.
 */
export async function registerWebApps(app: FastifyInstance, root = WEB_APPS_ROOT): Promise<void> {
  const isBuilt = existsSync(`${root}/workspace/index.html`) && existsSync(`${root}/chat/index.html`);
  if (!isBuilt) {
    const notBuilt = async (_request: unknown, reply: FastifyReply) =>
      reply.code(503).type('text/plain').send('The web apps are not built: run `npm run build`.\n');
    for (const path of ['/workspace', '/chat']) app.get(path, notBuilt);
    return;
  }

  await app.register(fastifyStatic, {
    root,
    serve: false,
    // Built pages are small and change with every release; hashed assets never change.
    cacheControl: false,
  });
  await app.register(fastifyStatic, {
    root: `${root}/assets`,
    prefix: '/assets/',
    decorateReply: false,
    immutable: true,
    maxAge: '365d',
    // Source maps (a build may leave them there) would publish the sources: 404 like any unknown file.
    allowedPath: (pathName) => !pathName.toLowerCase().endsWith('.map'),
  });

  const page = (file: string, frameAncestors: string) => async (_request: unknown, reply: FastifyReply) =>
    reply
      .header('Content-Security-Policy', [...CONTENT_SECURITY_POLICY, `frame-ancestors ${frameAncestors}`].join('; '))
      .header('Referrer-Policy', 'no-referrer')
      .header('Cache-Control', 'no-cache')
      .sendFile(file);

  app.get('/', async (_request, reply) => reply.redirect('/workspace'));
  app.get('/workspace', page('workspace/index.html', "'none'"));
  app.get('/workspace/', page('workspace/index.html', "'none'"));
  app.get('/chat', page('chat/index.html', '*'));
  app.get('/chat/', page('chat/index.html', '*'));
  app.get('/chat/embed.js', async (_request, reply) =>
    reply.header('Cache-Control', 'public, max-age=300').type('text/javascript').sendFile('chat/embed.js'),
  );
}
