// Deutsch: die Texte des Web-Clients (Schlüssel wie in en.js; was hier
// fehlt, erscheint auf Englisch).
//
// The catalogue is split by area, one file each under de/, so no file
// outgrows a screenful and each area adds its texts in its own file.

import core from './de/core.js';
import conversations from './de/conversations.js';
import admin from './de/admin.js';
import push from './de/push.js';
import profiles from './de/profiles.js';
import integrations from './de/integrations.js';
import reports from './de/reports.js';

export default {
  ...core,
  ...conversations,
  ...admin,
  ...push,
  ...profiles,
  ...integrations,
  ...reports,
};
