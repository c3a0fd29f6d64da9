// English texts, part 'profiles' (see ../en.js and ../../i18n.js).

export default {
  // --- Profile: display name and picture (issue 17)
  'profile.item': 'Profile…',
  'profile.title': 'Your profile',
  'profile.displayName': 'Display name',
  'profile.displayNameHint': 'Shown instead of your username. People still mention you as @{username}.',
  'profile.picture': 'Picture',
  'profile.pictureHint': 'A JPEG, PNG, GIF or WebP image; its middle square is shown. Everyone on this server can see it.',
  'profile.choose': 'Choose a picture…',
  'profile.remove': 'Remove picture',
  'profile.save': 'Save',
  'profile.saved': 'Profile saved.',
};
