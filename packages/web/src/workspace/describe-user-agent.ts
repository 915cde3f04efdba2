import Bowser from 'bowser';

/** A user agent as people read it: "Chrome 126", "macOS Sonoma", "desktop". */
export interface UserAgentSummary {
  browser: string | undefined;
  os: string | undefined;
  device: string | undefined;
}

/** Parses a user agent with bowser; unknown parts stay undefined rather than guessed. */
export function describeUserAgent(userAgent: string | undefined): UserAgentSummary {
  if (userAgent === undefined || userAgent.trim() === '')
    return { browser: undefined, os: undefined, device: undefined };
  const { browser, os, platform } = Bowser.parse(userAgent);
  const join = (...parts: (string | undefined)[]) =>
    parts.filter((part) => part !== undefined && part !== '').join(' ') || undefined;
  // Only the major version: "Chrome 126", not "Chrome 126.0.6478.126".
  const major = browser.version?.split('.')[0];
  return {
    browser: join(browser.name, major),
    os: join(os.name, os.versionName ?? os.version),
    device: platform.type,
  };
}
