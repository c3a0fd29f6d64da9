// English texts, part 'commands' (see ../en.js and ../../i18n.js).

export default {
  // --- Custom slash commands: the composer and the Integrations dialog
  'commands.onlyYou': 'Only you can see this:',
  'commands.running': 'Running /{name}…',
  'commands.title': 'Slash commands in {room}',
  'commands.name': 'Command',
  'commands.help': 'Help text',
  'commands.url': 'URL',
  'commands.answeredBy': 'Answered by',
  'commands.make': 'Make command',
  'commands.secret': 'Calls are signed with this secret (Natter-Signature):',
  'commands.delete': 'Delete',
  'commands.needBot': 'Make a bot first: it answers the command.',
};
