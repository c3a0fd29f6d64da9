// Deutsche Texte, Teil 'commands' (siehe ../de.js und ../../i18n.js).

export default {
  // --- Eigene Slash-Befehle: Eingabefeld und Integrationen-Dialog
  'commands.onlyYou': 'Nur für dich sichtbar:',
  'commands.running': '/{name} wird ausgeführt …',
  'commands.title': 'Slash-Befehle in {room}',
  'commands.name': 'Befehl',
  'commands.help': 'Hilfetext',
  'commands.url': 'URL',
  'commands.answeredBy': 'Antwortet als',
  'commands.make': 'Befehl anlegen',
  'commands.secret': 'Aufrufe werden mit diesem Geheimnis signiert (Natter-Signature):',
  'commands.delete': 'Löschen',
  'commands.needBot': 'Lege zuerst einen Bot an: er beantwortet den Befehl.',
};
