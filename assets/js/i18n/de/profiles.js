// German texts, part 'profiles' (see ../de.js and ../../i18n.js).

export default {
  // --- Profil: Anzeigename und Bild (Issue 17)
  'profile.item': 'Profil…',
  'profile.title': 'Dein Profil',
  'profile.displayName': 'Anzeigename',
  'profile.displayNameHint': 'Wird statt deines Benutzernamens gezeigt. Erwähnt wirst du weiter als @{username}.',
  'profile.picture': 'Bild',
  'profile.pictureHint': 'Ein JPEG-, PNG-, GIF- oder WebP-Bild; gezeigt wird sein mittleres Quadrat. Alle auf diesem Server können es sehen.',
  'profile.choose': 'Bild auswählen…',
  'profile.remove': 'Bild entfernen',
  'profile.save': 'Speichern',
  'profile.saved': 'Profil gespeichert.',
};
