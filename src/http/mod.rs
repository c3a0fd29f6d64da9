//! The HTTP face of Natter: JSON API under `/api/v1`, the tutorial's routes,
//! the pages and their assets. Handlers translate HTTP to use-case calls and
//! back; the rules live in `chat`.

mod accounts;
mod admin;
mod assets;
mod bot_outhooks;
mod commands;
mod directory;
mod disappearing;
mod error;
mod extract;
mod feed;
mod files;
mod group_dms;
mod guard;
mod hooks;
mod integrations;
mod member_invites;
mod mentions;
mod messages;
mod moderation;
mod openapi;
mod ops;
mod origin;
mod outhooks;
mod pages;
mod precompressed;
mod profiles;
mod push;
pub(crate) mod ranges;
mod reactions;
mod reports;
mod resets;
mod room_care;
mod rooms;
mod search;
pub mod server;
mod server_name;
mod sessions;
mod status;
mod stream;
mod threads;
mod token_scope;
mod tutorial;
pub mod upgrade;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use assets::AssetStore;
pub use error::ErrorBody;
pub use ops::metrics_only;
pub use origin::{start_up_warning, OriginPolicy};

use crate::chat::Chat;
use crate::config::value::Secret;
use crate::ops::metrics::Metrics;
use crate::realtime::{Hub, StreamSettings};

/// What every handler can reach. Extractors clone the state for every
/// request, so it is one `Arc`: a clone is a single counter increment.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub chat: Arc<Chat>,
    pub hub: Arc<Hub>,
    /// Shared by every stream connection (one pointer in each, not a copy).
    pub stream: Arc<StreamSettings>,
    pub secure_cookies: bool,
    pub origins: OriginPolicy,
    pub assets: AssetStore,
    pub metrics: Metrics,
    /// Opens `/metrics` on the main listener (none: no `/metrics` there).
    pub metrics_token: Option<Secret>,
    /// Web Push: the key, subscriptions, delivery.
    pub pushes: Arc<crate::notify::Pushes>,
    /// Outgoing webhooks: their use-cases and running workers.
    pub outhooks: Arc<crate::outhooks::Deliveries>,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Compresses answers of 1 KiB and more for clients that accept it. Below
/// that (a sent message's answer, most API answers) gzip or brotli saves a
/// few dozen bytes and costs an encoder per response; history pages, the
/// pages and the assets are above it.
fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new().compress_when(
        SizeAbove::new(1024)
            .and(NotForContentType::IMAGES)
            .and(NotForContentType::SSE)
            // downloads: stored as sent, served with their length
            .and(NotForContentType::const_new("application/octet-stream"))
            .and(NotForContentType::const_new("video/"))
            .and(NotForContentType::const_new("audio/")),
    )
}

/// The upload route streams its body to the file store under limits of
/// its own (`--max-upload-bytes`), not the JSON body limit.
fn files_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(files::upload))
        .layer(DefaultBodyLimit::disable())
}

/// Devices, reset links, the server name and member invites (issue 18).
fn server_finish_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sessions::end_device))
        .routes(routes!(sessions::sign_out_user))
        .routes(routes!(resets::make_reset_link))
        .routes(routes!(resets::reset_password))
        .routes(routes!(server_name::set_server_name))
        .routes(routes!(
            member_invites::my_invites,
            member_invites::create_my_invite
        ))
        .routes(routes!(member_invites::revoke_my_invite))
        .routes(routes!(
            member_invites::member_invites,
            member_invites::set_member_invites
        ))
}

/// The whole application router. The OpenAPI document is built from the
/// same route list, so it cannot drift from what is served.
pub fn router(state: AppState, max_body_bytes: usize) -> Router {
    let (api, mut spec) = OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(accounts::server_info))
        .routes(routes!(accounts::sign_up, directory::find_people))
        .routes(routes!(accounts::sign_in, accounts::sign_out))
        .routes(routes!(accounts::sign_out_everywhere, sessions::devices))
        .routes(routes!(accounts::me))
        .routes(routes!(accounts::set_password))
        .routes(routes!(accounts::set_preferences))
        .routes(routes!(rooms::my_rooms, rooms::create_room))
        .routes(routes!(rooms::public_rooms))
        .routes(routes!(rooms::room))
        .routes(routes!(rooms::join_room))
        .routes(routes!(rooms::leave_room))
        .routes(routes!(rooms::members, rooms::add_member))
        .routes(routes!(rooms::remove_member))
        .routes(routes!(rooms::open_direct))
        .routes(routes!(rooms::mark_read))
        .routes(routes!(rooms::set_slow_mode))
        .routes(routes!(messages::history, messages::post_message))
        .routes(routes!(messages::edit_message, messages::delete_message))
        .routes(routes!(stream::stream))
        .routes(routes!(stream::events))
        .routes(routes!(accounts::health))
        .routes(routes!(ops::ready))
        // --- files and search
        .merge(files_routes())
        .routes(routes!(files::download))
        .routes(routes!(files::preview))
        .routes(routes!(search::search))
        // --- threads and mentions
        .routes(routes!(threads::thread))
        .routes(routes!(threads::post_reply))
        .routes(routes!(mentions::inbox))
        .routes(routes!(mentions::set_level))
        .routes(routes!(mentions::set_room_mentions))
        .routes(routes!(
            mentions::do_not_disturb,
            mentions::set_do_not_disturb
        ))
        // --- conversations (issue 16)
        .routes(routes!(reactions::add_reaction, reactions::remove_reaction))
        .routes(routes!(reactions::reactions))
        .routes(routes!(room_care::pin, room_care::unpin))
        .routes(routes!(room_care::pins))
        .routes(routes!(room_care::save, room_care::unsave))
        .routes(routes!(room_care::saved))
        .routes(routes!(room_care::settings, room_care::care))
        .routes(routes!(room_care::delete_room))
        .routes(routes!(room_care::set_role))
        .routes(routes!(group_dms::open_group))
        .routes(routes!(status::my_status, status::set_status))
        .routes(routes!(status::member_statuses))
        // --- server
        .routes(routes!(disappearing::set_disappearing))
        .routes(routes!(admin::my_role))
        .routes(routes!(admin::accounts))
        .routes(routes!(admin::set_role))
        .routes(routes!(admin::set_active))
        .routes(routes!(
            admin::sign_up_settings,
            admin::set_sign_up_settings
        ))
        .routes(routes!(admin::invites, admin::create_invite))
        .routes(routes!(admin::revoke_invite))
        .routes(routes!(moderation::ban))
        .routes(routes!(moderation::unban))
        .routes(routes!(moderation::audit_log))
        .merge(reports::routes())
        .routes(routes!(admin::retention, admin::set_retention))
        .merge(server_finish_routes())
        .merge(push::routes())
        .merge(profiles::routes())
        .merge(integrations::routes())
        .merge(commands::routes())
        .merge(outhooks::routes())
        .merge(bot_outhooks::routes())
        .split_for_parts();
    openapi::complete(&mut spec);
    let spec = Arc::new(
        spec.to_pretty_json()
            .expect("the OpenAPI document serializes"),
    );

    let routes = Router::new()
        .merge(api)
        .merge(openapi::routes(spec))
        .merge(reactions::catalogue_routes())
        .merge(tutorial::routes())
        .merge(pages::routes())
        .merge(ops::routes())
        .fallback(error::no_route)
        .method_not_allowed_fallback(error::wrong_method)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(axum::Extension(extract::BodyLimit(max_body_bytes)))
        .layer(axum::middleware::from_fn(ops::secure_cookies_over_https))
        .layer(compression())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::count,
        ));
    ops::access_log(routes).with_state(state)
}
