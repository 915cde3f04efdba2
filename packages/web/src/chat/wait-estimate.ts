/**
 * The estimated wait (seconds, server-chat §3.3) in words: 0 an agent is free, −1 nobody online and
 * −2 not enough data (both: no estimate), else rounded to whole minutes.
 */
export function waitEstimateText(seconds: number | undefined): string | undefined {
  if (seconds === undefined || seconds < 0) return undefined;
  if (seconds === 0) return 'An agent will be with you any moment now.';
  if (seconds < 60) return 'Estimated wait: less than a minute.';
  const minutes = Math.round(seconds / 60);
  return `Estimated wait: about ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
}
