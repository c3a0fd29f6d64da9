// What each live frame means for the page: new, edited and deleted
// messages (in the open room's list, the sidebar's unread counts, the
// title and notifications), typing, presence, membership and rooms coming
// and going.

// ctx: { view, list, sidebar, typing, presence, roomDialogs, extras, outbox(),
// me(), notify(room, message), refreshRooms(), live(), onChange() }
import { toast } from './toast.js';
import { t } from './i18n.js';
import { timerLabel } from './disappearing.js';
import { learnProfiles, onPeopleChange, setStatus } from './people.js';

// The room's timer changed: the header follows (the room list is
// reloaded) and whoever has the room open is told.
function timerChanged(ctx, e, refresh) {
  refresh();
  if (!ctx.view.isOpen(e.room_id)) return;
  toast(t('disappearing.changed', { who: e.changed_by, timer: timerLabel(e.seconds) }));
}

export function liveEvents(ctx) {
  const refresh = () => ctx.refreshRooms().catch(() => {});
  // Someone's name, avatar or status changed: the timeline, the sidebar
  // (direct messages are named by the person) and the header follow.
  onPeopleChange(() => {
    if (ctx.view.current) ctx.list.render();
    ctx.sidebar.render();
    ctx.onChange();
  });

  // Someone joined or left: the member list, the header and who is online follow.
  function membersChanged(roomId, m, left) {
    if (left) ctx.presence.change(roomId, m.user_id, m.username, false);
    ctx.roomDialogs.membersChanged(roomId);
    if (ctx.view.isOpen(roomId)) ctx.view.loadAbout();
  }

  // A room event, new to this page (live.js drops duplicates).
  function onEvent(e) {
    if (ctx.conversations?.onEvent(e)) return; // threads.js, mentions.js
    // An open member list shows who is an owner now.
    if (e.type === 'member.role_changed') ctx.roomDialogs.membersChanged(e.room_id);
    // Logged joins and leaves (with a seq); their line comes from extras.
    if (e.type === 'member.joined' || e.type === 'member.left') membersChanged(e.room_id, e, e.type === 'member.left');
    const open = ctx.view.isOpen(e.room_id);
    if (e.type === 'message.created') {
      const m = e.message;
      const mine = m.author_id === ctx.me().id;
      if (!mine) ctx.typing.stopped(e.room_id, m.author);
      ctx.sidebar.noteMessage(e.room_id, e.seq, !mine);
      if (open) ctx.view.liveMessage(m);
      else if (mine) ctx.outbox().confirm(m.client_id);
      const room = ctx.sidebar.find(e.room_id);
      if (room && !mine) ctx.notify(room, m);
      ctx.onChange();
    } else if (e.type === 'message.edited') {
      if (open && ctx.list.find(e.message.seq) && ctx.list.addMessages([e.message])) ctx.list.render();
    } else if (e.type === 'message.deleted') {
      if (open && ctx.list.markDeleted(e.message_seq)) ctx.list.render();
    } else if (e.type === 'messages.expired') {
      if (open && ctx.list.markExpired(e.message_seqs)) ctx.list.render();
    } else if (e.type === 'room.disappearing_changed') {
      timerChanged(ctx, e, refresh);
      ctx.extras?.onEvent(e, open); // its line in the timeline
    } else {
      ctx.extras?.onEvent(e, open);
    }
  }

  function onFrame(f) {
    switch (f.type) {
      case 'typing':
        ctx.typing.started(f.room_id, f.username);
        break;
      case 'typing.stopped':
        ctx.typing.stopped(f.room_id, f.username);
        break;
      case 'presence':
        ctx.presence.set(f.room_id, f.online ?? [], f.count ?? 0);
        break;
      case 'presence.changed':
        ctx.presence.change(f.room_id, f.user_id, f.username, f.online);
        break;
      case 'member.joined': // not logged (a room made or deleted): no seq, no line
      case 'member.left':
        membersChanged(f.room_id, f.member, f.type === 'member.left');
        break;
      case 'room.added':
        refresh();
        break;
      case 'profile.changed':
        learnProfiles([f.user], true);
        break;
      case 'status.changed':
        setStatus(f.username, f.status);
        break;
      case 'room.removed':
        ctx.live().forget(f.room_id);
        ctx.presence.forget(f.room_id);
        refresh();
        break;
      default:
        break; // hello, subscribed, pong, unsubscribed: nothing to show
    }
  }

  // My send is committed (its message.created may come before or after).
  function onAck(message) {
    ctx.sidebar.noteMessage(message.room_id, message.seq, false);
    if (!ctx.view.isOpen(message.room_id)) return;
    if (!ctx.list.detached) ctx.view.receive([message]);
    ctx.list.render();
    ctx.view.markRead();
  }

  return { onEvent, onFrame, onAck };
}
