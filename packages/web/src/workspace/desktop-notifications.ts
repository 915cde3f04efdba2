import { useCallback, useState } from 'react';

/** Where the desktop notifications stand: not offered by this browser, off, on, or blocked by the person. */
export type DesktopNotificationState = 'unsupported' | 'off' | 'on' | 'blocked';

/** The agent's choice, kept for later visits: asking the browser again every time would nag. */
const KEY = 'parley.workspace.desktopNotifications';

const isSupported = (): boolean => typeof window.Notification === 'function';

function isChosen(): boolean {
  try {
    return window.localStorage.getItem(KEY) === 'on';
  } catch {
    return false;
  }
}

function choose(isOn: boolean): void {
  try {
    if (isOn) window.localStorage.setItem(KEY, 'on');
    else window.localStorage.removeItem(KEY);
  } catch {
    // Not kept: the choice holds for this page only.
  }
}

function currentState(): DesktopNotificationState {
  if (!isSupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'blocked';
  return Notification.permission === 'granted' && isChosen() ? 'on' : 'off';
}

/**
 * Shows a desktop notification when the agent turned them on and the page is not in view (in
 * front, the workspace itself shows everything). Clicking it brings the workspace forward.
 * `tag` replaces an earlier notification of the same thing rather than stacking them.
 */
export function notifyDesktop(title: string, body: string, tag: string): void {
  if (currentState() !== 'on' || !document.hidden) return;
  try {
    const notification = new Notification(title, { body, tag });
    notification.onclick = () => {
      window.focus();
      notification.close();
    };
  } catch {
    // Some browsers only allow notifications from a service worker: the title and sound remain.
  }
}

/**
 * The "Enable desktop notifications" control's state. The browser's permission is asked only
 * when the agent turns them on (a click), never on page load.
 */
export function useDesktopNotifications() {
  const [state, setState] = useState<DesktopNotificationState>(currentState);
  const enable = useCallback(async () => {
    if (!isSupported()) return;
    const permission =
      Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
    choose(permission === 'granted');
    setState(currentState());
  }, []);
  const disable = useCallback(() => {
    choose(false);
    setState(currentState());
  }, []);
  return { state, enable, disable };
}
