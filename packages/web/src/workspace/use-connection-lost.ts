import { useSyncExternalStore } from 'react';
import { connectionMonitor } from '../shared/connection-monitor.js';

/** Whether the last request to Parley got no answer at all (the SDK is retrying). */
export function useConnectionLost(): boolean {
  return useSyncExternalStore(connectionMonitor.subscribe, connectionMonitor.isLost);
}
