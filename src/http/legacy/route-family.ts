/**
 * Which API a path belongs to. CORS (platform §1.6), the error envelope's time form (§1.5) and
 * the response format rules all follow the family, so it is decided once, from the path alone,
 * which also works for OPTIONS preflights and unknown paths.
 */
export const RouteFamily = {
  /** Domain API (CSDS): `/api/account/{a}/service/…`, `/csdr/…`. */
  DOMAIN: 'domain',
  /** Login Service: `/api/account/{a}/login|refresh|logout`. */
  LOGIN: 'login',
  /** Chat Agent API: `/api/account/{a}/agentSession…`. */
  AGENT: 'agent',
  /** Account configuration APIs: `/api/account/{a}/configuration/…`. */
  CONFIG: 'config',
  /** Server Chat API: the account root, `/chat/…`, `/conversation`. */
  VISITOR: 'visitor',
  /** Everything else: health, web apps. */
  OTHER: 'other',
} as const;
export type RouteFamily = (typeof RouteFamily)[keyof typeof RouteFamily];

const ACCOUNT_PREFIX = /^\/api\/account\/([^/]+)(\/[^/]*)?/;

export function routeFamily(path: string): RouteFamily {
  if (path.startsWith('/csdr/')) return RouteFamily.DOMAIN;
  const match = ACCOUNT_PREFIX.exec(path);
  if (match === null) return RouteFamily.OTHER;
  const segment = match[2] ?? '';
  if (segment === '/service') return RouteFamily.DOMAIN;
  if (segment === '/login' || segment === '/refresh' || segment === '/logout') return RouteFamily.LOGIN;
  if (segment === '/agentSession') return RouteFamily.AGENT;
  if (segment === '/configuration') return RouteFamily.CONFIG;
  return RouteFamily.VISITOR;
}

/** The account id in an account-scoped path, if any. */
export function accountIdOf(path: string): string | undefined {
  const fromApi = ACCOUNT_PREFIX.exec(path)?.[1];
  if (fromApi !== undefined) return fromApi;
  return /^\/csdr\/account\/([^/]+)/.exec(path)?.[1];
}

/** Chat routes use ISO-8601 error times; platform routes the Login Service's form. */
export const isChatFamily = (family: RouteFamily): boolean =>
  family === RouteFamily.AGENT || family === RouteFamily.VISITOR;
