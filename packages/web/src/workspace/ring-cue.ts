/** The audible and visible cues of ringing chats: a repeating beep and the count in the page title. */

let context: AudioContext | undefined;

/** The AudioContext, made on first use; undefined where the browser has no Web Audio. */
function audioContext(): AudioContext | undefined {
  if (context !== undefined) return context;
  // Typed as always present, but missing in some embedded browsers and test runners.
  if (typeof window.AudioContext !== 'function') return undefined;
  context = new window.AudioContext();
  return context;
}

/**
 * Creates (or resumes) the audio context during a user gesture: browsers keep a context made
 * without one suspended, and a later ring could not be heard (autoplay policy).
 */
export function unlockAudio(): void {
  try {
    void audioContext()
      ?.resume()
      .catch(() => undefined);
  } catch {
    // No audio here: the visual cue remains.
  }
}

/** Two short tones, like a desk phone; silent (never throwing) when audio is unavailable. */
export function beep(): void {
  try {
    const audio = audioContext();
    if (audio === undefined) return;
    if (audio.state === 'suspended') void audio.resume().catch(() => undefined);
    const start = audio.currentTime;
    for (const [offset, frequency] of [
      [0, 880],
      [0.18, 1175],
    ] as const) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.value = frequency;
      // A quick fade in and out: a hard start or stop clicks.
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.2, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.15);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.16);
    }
  } catch {
    // Audio failed (no device, blocked): the visual cue remains.
  }
}

/** How often the cue sounds again while chats keep ringing: a single beep is easily missed. */
export const RING_REPEAT_MS = 3_000;

let repeatTimer: ReturnType<typeof setInterval> | undefined;

/**
 * The ring cue for `count` ringing chats: a beep now when more ring than before, and again every
 * few seconds for as long as anything rings (until it is accepted, taken by someone else or times
 * out: the count then drops to 0 and the cue stops).
 */
export function ringCue(count: number, previous: number): void {
  if (count > previous) beep();
  if (count > 0 && repeatTimer === undefined) repeatTimer = setInterval(beep, RING_REPEAT_MS);
  if (count === 0) stopRingCue();
}

/** Silences the repeating cue (nothing rings, signed out). */
export function stopRingCue(): void {
  clearInterval(repeatTimer);
  repeatTimer = undefined;
}

const BASE_TITLE = 'Parley — Agent workspace';

/**
 * The page title, prefixed with what waits for the agent (rings, unread visitor lines) so that a
 * background tab shows it, e.g. "(3) Parley — Agent workspace".
 */
export function setTitleCount(count: number): void {
  document.title = count > 0 ? `(${count}) ${BASE_TITLE}` : BASE_TITLE;
}
