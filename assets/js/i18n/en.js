// English: every text of the web client (see i18n.js for the format). A
// translation is a copy of these files with the values translated; keys it
// leaves out fall back to these. {name} is filled in by the code; plural
// forms are chosen by the number in {count}.
//
// The catalogue is split by area, one file each under en/, so no file
// outgrows a screenful and each area adds its texts in its own file.

import core from './en/core.js';
import conversations from './en/conversations.js';
import admin from './en/admin.js';
import push from './en/push.js';
import profiles from './en/profiles.js';
import integrations from './en/integrations.js';
import reports from './en/reports.js';

// Loaded with their dialogs (i18n.js loadTexts).
export const later = ['commands', 'outhooks'];

export default {
  ...core,
  ...conversations,
  ...admin,
  ...push,
  ...profiles,
  ...integrations,
  ...reports,
};
