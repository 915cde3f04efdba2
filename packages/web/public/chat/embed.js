/*
 * Parley's chat button for any web site, in one line:
 *
 *   <script src="https://parley.example.com/chat/embed.js" data-account="41325501"
 *           data-app-key="…" data-skill="Sales" data-label="Chat with us" async></script>
 *
 * It adds a floating button (bottom right) that opens and closes the visitor window (/chat) in a
 * frame. It runs on pages we do not control, so it is plain ES2017 without dependencies, defines no
 * globals, and sets every style inline through the CSSOM (which page CSP rules for style
 * attributes do not block), starting from `all: initial` so the page's CSS cannot restyle it.
 */
/* global window, document, URLSearchParams */
(function () {
  'use strict';

  const script = document.currentScript;
  if (!script || !script.src) return;
  const account = script.getAttribute('data-account');
  const appKey = script.getAttribute('data-app-key');
  if (!account || !appKey) {
    window.console.error('Parley chat: the script tag needs data-account and data-app-key.');
    return;
  }
  const skill = script.getAttribute('data-skill');
  const label = script.getAttribute('data-label') || 'Chat with us';
  // The frame comes from wherever this script came from: one Parley origin, no configuration.
  const origin = new URL(script.src, document.baseURI).origin;

  const ACCENT = '#2554d8';
  const Z_INDEX = '2147483000';
  const GAP = 20; // px from the viewport's edges
  const LAUNCHER_HEIGHT = 56;
  // Under 480 px wide the frame fills the screen: a 380 px panel would not fit beside anything.
  const small = window.matchMedia('(max-width: 479.98px)');
  const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

  /**
   * Sets inline styles from a clean slate, so the host page's CSS does not reach the element:
   * `all: initial` resets what we do not set, and `important` wins even over the page's
   * `!important` rules (inline important declarations come last in the cascade).
   */
  function style(element, properties) {
    element.style.setProperty('all', 'initial', 'important');
    Object.keys(properties).forEach(function (name) {
      element.style.setProperty(name, properties[name], 'important');
    });
  }

  function icon(isOpen) {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '24');
    svg.setAttribute('height', '24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    if (isOpen) {
      path.setAttribute('d', 'M6 6l12 12M18 6L6 18');
      path.setAttribute('stroke', 'currentColor');
      path.setAttribute('stroke-width', '2.4');
      path.setAttribute('stroke-linecap', 'round');
      path.setAttribute('fill', 'none');
    } else {
      path.setAttribute(
        'd',
        'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-4.2 3.4A.5.5 0 0 1 4 21v-3a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z',
      );
      path.setAttribute('fill', 'currentColor');
    }
    svg.appendChild(path);
    style(svg, { display: 'block', width: '24px', height: '24px', 'flex-shrink': '0', fill: 'none', color: 'inherit' });
    return svg;
  }

  const frameId = 'parley-chat-frame-' + Math.random().toString(36).slice(2);
  const launcher = document.createElement('button');
  launcher.type = 'button';
  launcher.setAttribute('aria-controls', frameId);
  const launcherText = document.createElement('span');
  launcherText.textContent = label;

  let frame = null;
  let isOpen = false;
  // Agent lines that arrived while the frame was closed, as the window counts them.
  let unread = 0;
  const badge = document.createElement('span');
  badge.setAttribute('aria-hidden', 'true');

  function frameUrl() {
    const query = new URLSearchParams({ account: account, appKey: appKey });
    if (skill) query.set('skill', skill);
    // Tells the window it is in this frame, so it offers a close button that messages us.
    query.set('embed', '1');
    // The page the visitor chats from, for the agent (the window itself is sent no Referer).
    query.set('referrer', window.location.href.slice(0, 2000));
    return origin + '/chat?' + query.toString();
  }

  function layoutLauncher() {
    style(launcher, {
      position: 'fixed',
      right: GAP + 'px',
      bottom: GAP + 'px',
      'z-index': Z_INDEX,
      display: isOpen && small.matches ? 'none' : 'flex',
      'align-items': 'center',
      gap: '8px',
      'box-sizing': 'border-box',
      height: LAUNCHER_HEIGHT + 'px',
      'min-width': LAUNCHER_HEIGHT + 'px',
      padding: isOpen ? '0' : '0 20px 0 16px',
      'justify-content': 'center',
      border: '0',
      'border-radius': '999px',
      background: ACCENT,
      color: '#ffffff',
      font: '600 15px/1 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
      'box-shadow': '0 6px 20px rgba(16, 24, 40, 0.25)',
      cursor: 'pointer',
      outline: launcher.getAttribute('data-focus') === 'visible' ? '3px solid #111827' : 'none',
      'outline-offset': '3px',
      transform: launcher.getAttribute('data-hover') === 'yes' ? 'translateY(-2px)' : 'none',
      transition: reducedMotion.matches ? 'none' : 'transform 0.15s ease',
    });
    style(badge, {
      display: 'inline-block',
      'box-sizing': 'border-box',
      'min-width': '20px',
      height: '20px',
      padding: '0 6px',
      'border-radius': '10px',
      background: '#d92d20',
      color: '#ffffff',
      font: '700 12px/20px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
      'text-align': 'center',
    });
    style(launcherText, {
      display: isOpen ? 'none' : 'inline',
      color: 'inherit',
      font: 'inherit',
      'white-space': 'nowrap',
    });
  }

  /** The launcher's icon and name: a chat bubble and the label, or a cross and "Close chat". */
  function labelLauncher() {
    while (launcher.firstChild) launcher.removeChild(launcher.firstChild);
    launcher.appendChild(icon(isOpen));
    launcher.appendChild(launcherText);
    if (unread > 0 && !isOpen) {
      badge.textContent = unread > 99 ? '99+' : String(unread);
      launcher.appendChild(badge);
    }
    const unreadText = unread === 1 ? ', 1 unread message' : ', ' + unread + ' unread messages';
    launcher.setAttribute('aria-label', isOpen ? 'Close chat' : label + (unread > 0 ? unreadText : ''));
    launcher.setAttribute('aria-expanded', String(isOpen));
  }

  function layoutFrame() {
    if (!frame) return;
    const full = small.matches;
    style(frame, {
      position: 'fixed',
      'z-index': Z_INDEX,
      display: isOpen ? 'block' : 'none',
      border: '0',
      margin: '0',
      padding: '0',
      background: '#ffffff',
      'color-scheme': 'light',
      'box-sizing': 'border-box',
      right: full ? '0' : GAP + 'px',
      bottom: full ? '0' : GAP + LAUNCHER_HEIGHT + 16 + 'px',
      top: full ? '0' : 'auto',
      left: full ? '0' : 'auto',
      width: full ? '100%' : '380px',
      height: full ? '100%' : '600px',
      'max-width': full ? 'none' : 'calc(100% - ' + 2 * GAP + 'px)',
      'max-height': full ? 'none' : 'calc(100% - ' + (2 * GAP + LAUNCHER_HEIGHT + 16) + 'px)',
      'border-radius': full ? '0' : '16px',
      'box-shadow': full ? 'none' : '0 12px 48px rgba(16, 24, 40, 0.28)',
      overflow: 'hidden',
    });
  }

  function open() {
    if (!frame) {
      // Created on first use: pages that never open the chat load nothing more than this script.
      frame = document.createElement('iframe');
      frame.id = frameId;
      frame.title = 'Chat';
      frame.src = frameUrl();
      frame.setAttribute('allow', 'clipboard-write');
      container.appendChild(frame);
    }
    isOpen = true;
    unread = 0;
    labelLauncher();
    relayout();
    tellFrame();
    frame.focus();
  }

  function close() {
    isOpen = false;
    labelLauncher();
    relayout();
    tellFrame();
    launcher.focus();
  }

  /** Whether the frame is shown: the window counts agent lines as unread only while it is not. */
  function tellFrame() {
    if (frame && frame.contentWindow)
      frame.contentWindow.postMessage({ type: 'parley:shown', isShown: isOpen }, origin);
  }

  launcher.addEventListener('click', function () {
    if (isOpen) close();
    else open();
  });
  launcher.addEventListener('mouseenter', function () {
    launcher.setAttribute('data-hover', 'yes');
    layoutLauncher();
  });
  launcher.addEventListener('mouseleave', function () {
    launcher.removeAttribute('data-hover');
    layoutLauncher();
  });
  // A focus ring for keyboard users only (inline styles cannot use :focus-visible): none right
  // after a pointer press.
  let isPointerFocus = false;
  launcher.addEventListener('pointerdown', function () {
    isPointerFocus = true;
  });
  launcher.addEventListener('focus', function () {
    if (!isPointerFocus) launcher.setAttribute('data-focus', 'visible');
    isPointerFocus = false;
    layoutLauncher();
  });
  launcher.addEventListener('blur', function () {
    launcher.removeAttribute('data-focus');
    layoutLauncher();
  });

  // The window's own close button (full screen hides the launcher) posts this; only our frame counts.
  window.addEventListener('message', function (event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== origin) return;
    if (!event.data) return;
    if (event.data.type === 'parley:close' && isOpen) close();
    if (event.data.type === 'parley:unread' && typeof event.data.count === 'number') {
      unread = isOpen ? 0 : Math.max(0, Math.floor(event.data.count));
      labelLauncher();
    }
  });
  // Escape closes the open chat, as it closes any dialog (in the frame, the window asks us to).
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && isOpen && !event.defaultPrevented) close();
  });

  function relayout() {
    layoutFrame();
    layoutLauncher();
  }
  if (small.addEventListener) small.addEventListener('change', relayout);
  else small.addListener(relayout);

  const container = document.createElement('div');
  container.setAttribute('data-parley-chat', '');
  style(container, { display: 'contents' });
  container.appendChild(launcher);
  labelLauncher();
  layoutLauncher();

  function mount() {
    document.body.appendChild(container);
  }
  // An async script in <head> can run before <body> exists.
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
