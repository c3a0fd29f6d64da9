// Deutsche Texte, Teil 'commands': eigene Slash-Befehle.

export default {
  'commands.onlyYou': 'Nur für dich sichtbar:',
  'commands.running': '/{name} wird ausgeführt …',
  'commands.title': 'Slash-Befehle in {room}',
  'commands.name': 'Befehl',
  'commands.help': 'Hilfetext',
  'commands.url': 'URL',
  'commands.answeredBy': 'Antwortet als',
  'commands.make': 'Befehl anlegen',
  'commands.secret': 'Aufrufe werden mit diesem Geheimnis signiert:',
  'commands.delete': 'Löschen',
  'commands.needBot': 'Lege zuerst einen Bot an: er antwortet.',
};
