import type { DomainEvent, EventBus } from '../core/ports.js';

type Handler = (event: DomainEvent) => void;

/** In-process publish/subscribe: the single-node default of the EventBus port. */
export function createMemoryEventBus(onHandlerError: (error: unknown) => void = () => undefined): EventBus {
  const handlers = new Map<DomainEvent['type'], Set<Handler>>();
  return {
    publish(event) {
      for (const handler of handlers.get(event.type) ?? []) {
        // One failing subscriber must not stop the others or the publisher.
        try {
          handler(event);
        } catch (error) {
          onHandlerError(error);
        }
      }
    },
    subscribe(type, handler) {
      const set = handlers.get(type) ?? new Set<Handler>();
      handlers.set(type, set);
      const wrapped: Handler = (event) => {
        if (event.type === type) handler(event as Extract<DomainEvent, { type: typeof type }>);
      };
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
  };
}
