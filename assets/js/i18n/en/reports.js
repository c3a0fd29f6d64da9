// English texts, part 'reports' (see ../en.js and ../../i18n.js): reporting
// a message, and the reports in the admin page.

export default {
  'menu.report': 'Report…',
  'report.title': 'Report this message',
  'report.hint': 'The server’s admins see your report, with the message and your name.',
  'report.reason': 'Why?',
  'report.empty': 'Say why you report this message.',
  'report.send': 'Report',
  'report.sent': 'Reported. The admins will have a look.',
  'reports.title': 'Reports',
  'reports.none': 'No open reports.',
  'reports.direct': 'a direct message',
  'reports.deleted': '(deleted)',
  'reports.by': 'Reported by {reporter}: {reason}',
  'reports.jump': 'Go to message',
  'reports.resolve': 'Resolve',
  'reports.dismiss': 'Dismiss',
};
