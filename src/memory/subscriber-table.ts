import type { BusEvent, EventBus } from '../core/ports.js';

type Handler = (event: BusEvent) => void;

/**
 * This process's subscribers by event type: what every EventBus adapter delivers to, whether the
 * event was published here or arrived from another node.
 */
export function createSubscriberTable(onHandlerError: (error: unknown) => void) {
  const handlers = new Map<BusEvent['type'], Set<Handler>>();
  return {
    deliver(event: BusEvent): void {
      for (const handler of handlers.get(event.type) ?? []) {
        // One failing subscriber must not stop the others or the publisher.
        try {
          handler(event);
        } catch (error) {
          onHandlerError(error);
        }
      }
    },
    subscribe: ((type, handler) => {
      const set = handlers.get(type) ?? new Set<Handler>();
      handlers.set(type, set);
      const wrapped: Handler = (event) => {
        if (event.type === type) handler(event as Extract<BusEvent, { type: typeof type }>);
      };
      set.add(wrapped);
      return () => {
        set.delete(wrapped);
      };
    }) satisfies EventBus['subscribe'],
  };
}
