//! What an API token request needs, by route: the scope and the room it
//! acts in. `CurrentUser` asks here for every token request, and
//! `Grant::allow` decides, so scopes are checked in one place. A route not
//! listed (account, admin, integrations, sessions) is for people only.

use axum::extract::MatchedPath;
use axum::http::request::Parts;
use axum::http::Method;

use crate::domain::{Grant, Need, Place, RoomId, Scope};
use crate::error::Result;

const ROOM: &str = "/api/v1/rooms/{id}";

/// Refuses the request unless `grant` allows it.
pub fn check(parts: &Parts, grant: &Grant) -> Result<()> {
    let template = parts
        .extensions
        .get::<MatchedPath>()
        .map_or("", MatchedPath::as_str);
    let (need, place) = need_of(&parts.method, template, parts.uri.path());
    grant.allow(need, place)
}

/// The scope and place of a route (`template` as registered, `path` as asked).
fn need_of(method: &Method, template: &str, path: &str) -> (Need, Place) {
    let read = matches!(*method, Method::GET | Method::HEAD);
    if let Some(rest) = template.strip_prefix(ROOM) {
        let room = path
            .strip_prefix("/api/v1/rooms/")
            .and_then(|p| p.split('/').next())
            .and_then(|id| id.parse().ok())
            .map_or(Place::AcrossRooms, |id| Place::Room(RoomId(id)));
        let scope = if rest.starts_with("/hooks") || rest.starts_with("/outhooks") {
            return (Need::Session, room);
        } else if rest == "/commands/{command}" && *method == Method::POST {
            // Running a command posts (as its bot, or for the caller only).
            Scope::Post
        } else if rest.starts_with("/commands") && !read {
            // Making and deleting commands is for their owners, signed in.
            return (Need::Session, room);
        } else if read {
            Scope::Read
        } else if rest.starts_with("/messages") || rest == "/read" {
            Scope::Post
        } else {
            Scope::ManageRooms
        };
        return (Need::Scope(scope), room);
    }
    let (scope, place) = match (read, template) {
        (
            true,
            "/api/v1/rooms"
            | "/api/v1/public-rooms"
            | "/api/v1/me"
            | "/api/v1/users"
            | "/api/v1/me/status"
            | "/api/v1/me/role"
            | "/api/v1/stream"
            | "/api/v1/feed"
            | "/api/v1/server",
        )
        // The feed narrows itself to the token's rooms, as the stream does.
        | (false, "/api/v1/feed/ack") => (Scope::Read, Place::Anywhere),
        (
            true,
            "/api/v1/search"
            | "/api/v1/mentions"
            | "/api/v1/saved"
            | "/api/v1/files/{id}"
            | "/api/v1/files/{id}/preview",
        ) => (Scope::Read, Place::AcrossRooms),
        (false, "/api/v1/uploads" | "/api/v1/me/status") => (Scope::Post, Place::Anywhere),
        (false, "/api/v1/rooms" | "/api/v1/dms" | "/api/v1/groups") => {
            (Scope::ManageRooms, Place::Anywhere)
        }
        _ => return (Need::Session, Place::Anywhere),
    };
    (Need::Scope(scope), place)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(method: &Method, template: &str, path: &str) -> (Need, Place) {
        need_of(method, template, path)
    }

    #[test]
    fn room_routes_need_read_post_or_manage_in_their_room() {
        let room = Place::Room(RoomId(4));
        let m = "/api/v1/rooms/{id}/messages";
        assert_eq!(
            need(&Method::GET, m, "/api/v1/rooms/4/messages"),
            (Need::Scope(Scope::Read), room)
        );
        assert_eq!(
            need(&Method::POST, m, "/api/v1/rooms/4/messages"),
            (Need::Scope(Scope::Post), room)
        );
        assert_eq!(
            need(
                &Method::POST,
                "/api/v1/rooms/{id}/join",
                "/api/v1/rooms/4/join"
            ),
            (Need::Scope(Scope::ManageRooms), room)
        );
        assert_eq!(
            need(
                &Method::POST,
                "/api/v1/rooms/{id}/hooks",
                "/api/v1/rooms/4/hooks"
            )
            .0,
            Need::Session
        );
        let command = "/api/v1/rooms/{id}/commands/{command}";
        assert_eq!(
            need(&Method::POST, command, "/api/v1/rooms/4/commands/deploy"),
            (Need::Scope(Scope::Post), room)
        );
        assert_eq!(
            need(&Method::DELETE, command, "/api/v1/rooms/4/commands/9").0,
            Need::Session
        );
    }

    #[test]
    fn account_and_admin_routes_are_for_people_only() {
        for (method, path) in [
            (Method::GET, "/api/v1/sessions"),
            (Method::DELETE, "/api/v1/sessions"),
            (Method::PUT, "/api/v1/me/password"),
            (Method::GET, "/api/v1/admin/users"),
            (Method::GET, "/api/v1/tokens"),
            (Method::POST, "/api/v1/bots"),
        ] {
            assert_eq!(need(&method, path, path).0, Need::Session, "{path}");
        }
        assert_eq!(
            need(&Method::GET, "/api/v1/search", "/api/v1/search"),
            (Need::Scope(Scope::Read), Place::AcrossRooms)
        );
    }
}
