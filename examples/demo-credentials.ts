import type { AgentCredentials } from '@parley/sdk';

/**
 * Who the examples log in as: PARLEY_USER with PARLEY_PASSWORD, or without a password the demo
 * account's users (seeds/demo.json): `echo-bot` with its API key, `alice`, `bob`, `admin`,
 * `tip-bot` or `assist-bot` with their demo passwords.
 */
export function demoCredentials(defaultUser: string): AgentCredentials {
  const username = process.env.PARLEY_USER ?? defaultUser;
  const password = process.env.PARLEY_PASSWORD;
  if (password !== undefined) return { username, password };
  if (username === 'echo-bot') {
    // The demo bot's API key: public demo values, never use them on a real deployment.
    return {
      username,
      appKey: process.env.PARLEY_APP_KEY ?? 'cab707c7d7ca57415728ea5e81a75d5f',
      secret: process.env.PARLEY_SECRET ?? 'demo-bot-secret',
      accessToken: process.env.PARLEY_ACCESS_TOKEN ?? '206a509129030bdb2bf8d419a17e4842',
      accessTokenSecret: process.env.PARLEY_ACCESS_TOKEN_SECRET ?? 'demo-bot-token-secret',
    };
  }
  return { username, password: `${username}-demo-pass` };
}

/** The server and account: PARLEY_URL (default http://127.0.0.1:8080), PARLEY_ACCOUNT (default 41325501). */
export const demoServer = {
  baseUrl: process.env.PARLEY_URL ?? 'http://127.0.0.1:8080',
  accountId: process.env.PARLEY_ACCOUNT ?? '41325501',
};
