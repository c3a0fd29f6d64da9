// English texts, part 'commands': custom slash commands.

export default {
  'commands.onlyYou': 'Only you can see this:',
  'commands.running': 'Running /{name}…',
  'commands.title': 'Slash commands in {room}',
  'commands.name': 'Command',
  'commands.help': 'Help text',
  'commands.url': 'URL',
  'commands.answeredBy': 'Answered by',
  'commands.make': 'Make command',
  'commands.secret': 'Calls are signed with this secret:',
  'commands.delete': 'Delete',
  'commands.needBot': 'Make a bot first: it answers.',
};
