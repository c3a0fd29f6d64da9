// German texts, part 'reports' (see ../de.js and ../../i18n.js).

export default {
  'menu.report': 'Melden…',
  'report.title': 'Diese Nachricht melden',
  'report.hint': 'Die Admins des Servers sehen deine Meldung mit der Nachricht und deinem Namen.',
  'report.reason': 'Warum?',
  'report.empty': 'Sag, warum du diese Nachricht meldest.',
  'report.send': 'Melden',
  'report.sent': 'Gemeldet. Die Admins sehen es sich an.',
  'reports.title': 'Meldungen',
  'reports.none': 'Keine offenen Meldungen.',
  'reports.direct': 'eine Direktnachricht',
  'reports.deleted': '(gelöscht)',
  'reports.by': 'Gemeldet von {reporter}: {reason}',
  'reports.jump': 'Zur Nachricht',
  'reports.resolve': 'Erledigt',
  'reports.dismiss': 'Verwerfen',
};
