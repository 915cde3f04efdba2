// Its own module so that the parsers config.ts uses (mail/smtp-config.ts) can throw it without an
// import cycle.
/** A configuration that cannot start the server; the message names the variable. */
export class ConfigError extends Error {
  /** `variable` names the environment variable (or the command-line argument) at fault. */
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}
