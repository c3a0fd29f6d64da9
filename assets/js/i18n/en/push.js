// English texts, part 'push' (see ../en.js and ../../i18n.js).

export default {
  // --- Web Push: notifications with no Natter tab open
  'push.item': 'Notifications on this device',
  'push.on': 'This device now gets notifications, even with Natter closed.',
  'push.off': 'This device no longer gets notifications when Natter is closed.',
  'push.blocked': 'Notifications are blocked for this site in your browser settings.',
  'push.unsupported': 'This browser cannot get notifications with Natter closed.',
  'push.failed': 'Could not turn on notifications for this device: {reason}',
};
