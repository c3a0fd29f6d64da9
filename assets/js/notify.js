// Alerts for @mentions of me and for direct messages, only while the tab is
// hidden (when it is visible the message is on screen or in the sidebar).
// Browser notifications are switched on with the bell, so the permission
// prompt always comes from a click; the optional sound is a short WebAudio
// beep (no audio file to fetch or to allow in the CSP).

import { displayName } from './people.js';
import { t } from './i18n.js';
import { key, read, write } from './store.js';
import { toast } from './toast.js';
import { shouldNotify } from './notify-levels.js';

export function setupNotifications({ me, bell, soundButton, roomName, openRoomById }) {
  const bellKey = key('notify', me.id);
  const soundKey = key('sound', me.id);
  const supported = 'Notification' in window;
  let audio = null;

  const enabled = () => supported && read(bellKey) === 'on' && Notification.permission === 'granted';
  const soundOn = () => read(soundKey) === 'on';

  function render() {
    bell.setAttribute('aria-pressed', String(enabled()));
    bell.title = enabled() ? t('notify.on') : t('notify.turnOn');
    soundButton.setAttribute('aria-pressed', String(soundOn()));
  }

  bell.hidden = !supported;
  bell.addEventListener('click', async () => {
    if (enabled()) {
      write(bellKey, null);
    } else {
      const permission = await Notification.requestPermission();
      if (permission === 'granted') write(bellKey, 'on');
      else toast(t('notify.blocked'), { error: true });
    }
    render();
  });

  soundButton.addEventListener('click', () => {
    write(soundKey, soundOn() ? null : 'on');
    // Created on a click: browsers only let audio start after a gesture.
    if (soundOn()) {
      audio ??= new AudioContext();
      beep();
    }
    render();
  });

  function beep() {
    if (!audio) audio = new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, audio.currentTime + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.25);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.3);
  }

  render();

  // A new message from someone else arrived in `room`.
  return function messageArrived(room, message) {
    if (document.visibilityState === 'visible' || message.author_id === me.id) return;
    if (!shouldNotify(room, message, me)) return;
    if (soundOn()) beep();
    if (!enabled()) return;
    const author = displayName(message.author);
    const title = room.kind === 'direct' ? author : t('notify.title', { author, room: roomName(room) });
    let n;
    try {
      // Notifications show plain text: no escaping needed, none interpreted.
      n = new Notification(title, { body: message.body.slice(0, 200), tag: `room-${room.id}` });
    } catch {
      return; // e.g. Android Chrome only notifies through a service worker
    }
    n.addEventListener('click', () => {
      window.focus();
      openRoomById(room.id);
      n.close();
    });
  };
}
