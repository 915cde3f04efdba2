import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '../../core/errors.js';

export type ResourceMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type ResourceHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

const ALL_METHODS: ResourceMethod[] = ['GET', 'POST', 'PUT', 'DELETE'];

const isResourceMethod = (value: string): value is ResourceMethod => ALL_METHODS.some((method) => method === value);

/**
 * The method a request means (Chat Agent API §1.4, Server Chat API §1.6, platform §1.3):
 * `X-HTTP-Method-Override` on a POST names it; a plain POST to a resource that has PUT but no POST
 * is the PUT. Undefined when the resource lacks it (405, internalCode 44).
 */
export function effectiveMethod(
  request: FastifyRequest,
  available: ReadonlySet<ResourceMethod>,
): ResourceMethod | undefined {
  const wire = request.method === 'HEAD' ? 'GET' : request.method;
  const header = request.headers['x-http-method-override'];
  const override = (Array.isArray(header) ? header[0] : header)?.trim().toUpperCase();
  const wanted = wire === 'POST' && override !== undefined && override !== '' ? override : wire;
  if (isResourceMethod(wanted) && available.has(wanted)) return wanted;
  if (wanted === 'POST' && override === undefined && available.has('PUT')) return 'PUT';
  return undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The methods of the legacy resource a route serves (absent on not-found answers). */
    resourceMethods?: ReadonlySet<ResourceMethod>;
    /**
     * Asked again and again as a matter of course: its successful answers are logged at debug, not
     * info (request-log.ts says which resources are). `reads`: only its GETs are.
     */
    routine?: boolean | 'reads';
  }
}

/**
 * Whether the request names a method its resource has: an API's authentication hook lets the
 * others through unauthenticated, to be answered 405 (or 404 where no resource is) as before any
 * credential is looked at.
 */
export function reachesResource(request: FastifyRequest): boolean {
  const available = request.routeOptions.config.resourceMethods;
  return available !== undefined && effectiveMethod(request, available) !== undefined;
}

/**
 * Registers one legacy resource: every method goes to one route, so that method override and the
 * 405 answer (with `Allow`) are decided here, the same way for every resource.
 */
export function registerResource(
  app: FastifyInstance,
  url: string,
  handlers: Partial<Record<ResourceMethod, ResourceHandler>>,
  options: { routine?: boolean | 'reads' } = {},
): void {
  const available = new Set(ALL_METHODS.filter((method) => handlers[method] !== undefined));
  app.route({
    method: ALL_METHODS,
    url,
    config: { resourceMethods: available, ...(options.routine === undefined ? {} : { routine: options.routine }) },
    handler: async (request, reply) => {
      const method = effectiveMethod(request, available);
      const handler = method === undefined ? undefined : handlers[method];
      if (handler === undefined) {
        reply.header('Allow', [...available].join(', '));
        throw new AppError(ErrorCode.METHOD_NOT_ALLOWED, `Method not allowed on this resource`);
      }
      return handler(request, reply);
    },
  });
}
