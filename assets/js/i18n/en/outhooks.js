// English texts, part 'outhooks' (see ../en.js and ../../i18n.js).

export default {
  // --- Integrations dialog: outgoing webhooks of the open room
  'outhooks.title': 'Outgoing webhooks in {room}',
  'outhooks.about': 'Each event of this room is sent, signed, to the URL; a JSON reply with "text" is posted as the bot.',
  'outhooks.ownersOnly': "Only the room's owners can manage its outgoing webhooks.",
  'outhooks.name': 'Name',
  'outhooks.url': 'URL',
  'outhooks.repliesAs': 'Replies as',
  'outhooks.batch': 'Send in batches (several events per request; see docs/webhooks.md)',
  'outhooks.batched': 'batches',
  'outhooks.newBot': 'A new bot of this name',
  'outhooks.make': 'Add webhook',
  'outhooks.secret': 'Signing secret: copy it now, it is shown only this once.',
  'outhooks.active': 'delivering',
  'outhooks.paused': 'paused {when}',
  'outhooks.pause': 'Pause',
  'outhooks.resume': 'Resume',
  'outhooks.log': 'Deliveries',
  'outhooks.delete': 'Delete',
  'outhooks.logOf': 'Latest deliveries of {name}',
  'outhooks.noDeliveries': 'Nothing delivered yet.',
  'outhooks.col.when': 'When',
  'outhooks.col.event': 'Event',
  'outhooks.col.attempt': 'Try',
  'outhooks.col.status': 'Status',
  'outhooks.col.latency': 'Time',
  'outhooks.col.error': 'Error',
  // --- Integrations dialog: a bot's own outgoing webhooks
  'outhooks.botTitle': 'Outgoing webhooks of the bot {bot}',
  'outhooks.botHooks': 'Webhooks',
  'outhooks.botAbout': 'Each event of every room this bot is in (from when it joined) is sent, signed, to the URL; a JSON reply with "text" is posted in that room as the bot.',
};
