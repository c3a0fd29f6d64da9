// German texts, part 'push' (see ../de.js and ../../i18n.js).

export default {
  // --- Web Push: Benachrichtigungen ohne offenen Natter-Tab
  'push.item': 'Benachrichtigungen auf diesem Gerät',
  'push.on': 'Dieses Gerät bekommt jetzt Benachrichtigungen, auch wenn Natter geschlossen ist.',
  'push.off': 'Dieses Gerät bekommt keine Benachrichtigungen mehr, wenn Natter geschlossen ist.',
  'push.blocked': 'Benachrichtigungen sind für diese Seite in deinen Browser-Einstellungen blockiert.',
  'push.unsupported': 'Dieser Browser kann keine Benachrichtigungen bekommen, wenn Natter geschlossen ist.',
  'push.failed': 'Benachrichtigungen für dieses Gerät ließen sich nicht einschalten: {reason}',
};
