import type { EventBus } from '../core/ports.js';
import { createSubscriberTable } from './subscriber-table.js';

/** In-process publish/subscribe: the single-node default of the EventBus port. */
export function createMemoryEventBus(onHandlerError: (error: unknown) => void = () => undefined): EventBus {
  const subscribers = createSubscriberTable(onHandlerError);
  return {
    publish: (event) => subscribers.deliver(event),
    subscribe: subscribers.subscribe,
  };
}
