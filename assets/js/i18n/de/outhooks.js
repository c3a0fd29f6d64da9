// Deutsche Texte, Teil 'outhooks' (siehe ../de.js und ../../i18n.js).

export default {
  // --- Integrationen: ausgehende Webhooks des offenen Raums
  'outhooks.title': 'Ausgehende Webhooks in {room}',
  'outhooks.about': 'Jedes Ereignis dieses Raums geht signiert an die URL; eine JSON-Antwort mit "text" postet der Bot.',
  'outhooks.ownersOnly': 'Nur die Besitzer des Raums können seine ausgehenden Webhooks verwalten.',
  'outhooks.name': 'Name',
  'outhooks.url': 'URL',
  'outhooks.repliesAs': 'Antwortet als',
  'outhooks.newBot': 'Ein neuer Bot dieses Namens',
  'outhooks.make': 'Webhook hinzufügen',
  'outhooks.secret': 'Signaturschlüssel: jetzt kopieren, er wird nur dieses eine Mal gezeigt.',
  'outhooks.active': 'liefert',
  'outhooks.paused': 'pausiert {when}',
  'outhooks.pause': 'Pausieren',
  'outhooks.resume': 'Fortsetzen',
  'outhooks.log': 'Zustellungen',
  'outhooks.delete': 'Löschen',
  'outhooks.logOf': 'Letzte Zustellungen von {name}',
  'outhooks.noDeliveries': 'Noch nichts zugestellt.',
  'outhooks.col.when': 'Wann',
  'outhooks.col.event': 'Ereignis',
  'outhooks.col.attempt': 'Versuch',
  'outhooks.col.status': 'Status',
  'outhooks.col.latency': 'Dauer',
  'outhooks.col.error': 'Fehler',
};
