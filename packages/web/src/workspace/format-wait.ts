/**
 * How long a chat has waited, as a clock shows it: `0:42`, `12:05`, `1:02:03`. A wait that reads
 * as negative (the browser's clock behind the server's) shows as `0:00`.
 */
export function formatWait(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}
