-- Version 25: messages erased by a part of an expiry backlog whose rooms
-- have not been told yet. A part is one short transaction; announcing in
-- every part wrote one room-log page per room it touched (a part of 250
-- messages spread over 100 rooms: 100 pages, two thirds of what it wrote,
-- and every send's flush behind it waited for them). The parts of one
-- slice hold their erasures here instead (a few rows per page), and the
-- slice's last part tells each room once. Held rows outlive a crash: the
-- next expiry write, at start-up before anything is served, announces them.
CREATE TABLE expiry_held (
    message_id INTEGER PRIMARY KEY,
    room_id    INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL
);
