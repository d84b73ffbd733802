/**
 * An optional chime when an agent becomes severe: off by default, remembered per browser (session.chime). A short
 * tone made by Web Audio, so there is no sound file to fetch; the AudioContext starts on the click that turns the
 * chime on (browsers allow sound only after a gesture).
 */
import type { BoardRow } from "./api.ts";
import { isSnoozed } from "./format.ts";
import { session, setChime } from "./session.ts";

let audio: AudioContext | null = null;

export function toggleChime(on: boolean) {
  setChime(on);
  if (on) {
    audio ??= new AudioContext();
    void audio.resume();
    play();
  }
}

function play() {
  if (!audio) return;
  const t = audio.currentTime;
  const gain = audio.createGain();
  gain.gain.setValueAtTime(0.0001, t);
  gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.6);
  gain.connect(audio.destination);
  for (const [frequency, delay] of [
    [880, 0],
    [660, 0.18],
  ] as const) {
    const tone = audio.createOscillator();
    tone.frequency.value = frequency;
    tone.connect(gain);
    tone.start(t + delay);
    tone.stop(t + delay + 0.4);
  }
}

/** Sounds once per escalation: the row's step from not severe to severe (not on snapshots, not while snoozed). */
export function chimeIfNewlySevere(before: BoardRow | undefined, after: BoardRow) {
  if (!session.chime.peek() || !before || before.severe || !after.severe) return;
  if (isSnoozed(after, Date.now())) return;
  if (!audio) audio = new AudioContext(); // remembered on: starts if this page already had a gesture
  play();
}
