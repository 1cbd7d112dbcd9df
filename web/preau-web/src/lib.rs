//! Préau's web layer: the only crate that knows HTTP and HTML.
//!
//! * [`router`] builds the HTTPS site; [`http_router`] the plain-HTTP port (redirects, and the
//!   page to download the school's certificate authority).
//! * Handlers are thin: extract, make one [`preau_app::App`] call, render an askama page.
//! * Cross-cutting concerns are layers: [`edge`] (request id, one log line per request,
//!   French error pages), [`security`] (headers, CSRF, body limit); sign-in is the
//!   [`session::Me`] extractor.

pub mod assets;
pub mod central;
pub mod dav;
pub mod download;
pub mod edge;
pub mod error;
pub mod forms;
pub mod i18n;
pub mod pages;
pub mod paths;
pub mod security;
pub mod session;
pub mod sync_api;
pub mod upload;

use axum::Router;
use axum::middleware::from_fn;
use axum::routing::{get, post};
use preau_app::App;
use std::sync::Arc;

/// What every handler can reach.
#[derive(Clone)]
pub struct WebState {
    /// The application.
    pub app: Arc<App>,
    /// The embedded static files.
    pub assets: Arc<assets::Assets>,
    /// The school's CA certificate (PEM), offered for download when the box made its own.
    pub ca_pem: Option<Arc<String>>,
    /// The address people use to reach the box ("https://ecole-jules-ferry.local"), printed on
    /// QR login cards.
    pub public_url: Arc<String>,
}

/// The HTTPS site.
pub fn router(state: WebState) -> Router {
    use pages::{account, admin, auth, classes, portal};
    use paths as p;
    Router::new()
        .route(p::HOME, get(portal::home))
        .route(p::SIGN_IN, get(auth::sign_in_page).post(auth::sign_in))
        .route(p::PUPIL_CLASSES, get(auth::pupil_classes))
        .route(p::PUPIL_CLASS, get(auth::pupil_names))
        .route(
            p::PUPIL_PICTURES,
            get(auth::pictures_page).post(auth::pictures_step),
        )
        .route(p::CARD, get(auth::card_page).post(auth::card_sign_in))
        .route(p::ACTIVATE, get(auth::activate_page).post(auth::activate))
        .route(p::SIGN_OUT, post(auth::sign_out))
        .route(p::ACCOUNT, get(account::page))
        .route(p::ACCOUNT_PASSWORD, post(account::change_password))
        .route(p::ACCOUNT_APP_PASSWORDS, post(account::create_app_password))
        .route(
            p::ACCOUNT_APP_PASSWORD_REVOKE,
            post(account::revoke_app_password),
        )
        .route(p::PROFILE, get(account::profile))
        .route(p::CLASS, get(classes::class_page))
        .route(p::CLASS_CARDS, get(classes::cards))
        .route(p::UNLOCK, post(classes::unlock))
        .route(p::ADMIN_USERS, get(admin::users).post(admin::create_user))
        .route(
            p::ADMIN_ONDE,
            get(pages::onde::form)
                .post(pages::onde::upload)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(p::ADMIN_ONDE_APPLY, post(pages::onde::apply))
        .route(p::ADMIN_USERS_CSV, get(admin::export_csv))
        .route(p::ADMIN_USER_NEW, get(admin::new_user))
        .route(p::ADMIN_USER, get(admin::user).post(admin::update_user))
        .route(p::ADMIN_USER_ARCHIVE, post(admin::archive_user))
        .route(p::ADMIN_USER_RESTORE, post(admin::restore_user))
        .route(p::ADMIN_USER_RESET, post(admin::reset_user))
        .route(
            p::ADMIN_CLASSES,
            get(admin::classes).post(admin::create_class),
        )
        .route(p::ADMIN_CLASS, get(admin::class).post(admin::update_class))
        .route(p::ADMIN_CLASS_ARCHIVE, post(admin::archive_class))
        .route(
            p::ADMIN_GROUPS,
            get(admin::groups).post(admin::create_group),
        )
        .route(p::ADMIN_GROUP, get(admin::group).post(admin::update_group))
        .merge(documents_routes())
        .merge(bookings_routes())
        .merge(logbook_routes())
        .merge(liaison_routes())
        .merge(exercise_routes())
        .merge(news_routes())
        .merge(messages_routes())
        .route(p::CERTIFICATE, get(pages::certificate::page))
        .route(p::CERTIFICATE_FILE, get(pages::certificate::download))
        .route(p::SETUP, get(pages::setup::page))
        .route(p::STATIC, get(assets::serve))
        .fallback(error::not_found)
        .layer(from_fn(security::csrf))
        // WebDAV programs carry no CSRF token and upload large files: outside that layer.
        .merge(dav_routes())
        // Calendar programs fetch feeds with the secret in the address, no session, no CSRF.
        .route(paths::FEED, get(pages::bookings::feed))
        .route(paths::LOGBOOK_FEED, get(pages::logbook::feed))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::setup_only,
        ))
        .layer(from_fn(security::headers))
        .layer(axum::middleware::from_fn_with_state(
            state.assets.clone(),
            edge::edge,
        ))
        .with_state(state)
}

/// Document spaces and assignments. Upload routes stream and take no body limit of their
/// own: the file size limit and quotas of the application apply.
fn documents_routes() -> Router<WebState> {
    use axum::extract::DefaultBodyLimit;
    use pages::{assignments as a, documents as d};
    use paths as p;
    Router::new()
        .route(p::DOCUMENTS, get(d::home))
        .route(p::FOLDER, get(d::folder))
        .route(
            p::FOLDER_UPLOAD,
            post(d::upload).layer(DefaultBodyLimit::disable()),
        )
        .route(p::FOLDER_NEW, post(d::new_folder))
        .route(p::ITEM, get(d::item))
        .route(p::ITEM_RENAME, post(d::rename))
        .route(p::ITEM_MOVE, post(d::move_item))
        .route(p::ITEM_COPY, post(d::copy_item))
        .route(p::ITEM_TRASH, post(d::trash))
        .route(p::ITEM_RESTORE, post(d::restore))
        .route(p::ITEM_DESTROY, post(d::destroy))
        .route(p::ITEM_SHARE, post(d::share))
        .route(p::SHARE_END, post(d::end_share))
        .route(p::FILE_DOWNLOAD, get(d::download))
        .route(p::FILE_VIEW, get(d::view))
        .route(p::FILE_THUMB, get(d::thumbnail))
        .route(p::FILE_REVISION_RESTORE, post(d::restore_revision))
        .route(p::TRASH, get(d::trash_page))
        .route(p::ASSIGNMENTS, get(a::list))
        .route(p::ASSIGNMENT_NEW, get(a::new_form).post(a::create))
        .route(p::ASSIGNMENT, get(a::page))
        .route(
            p::ASSIGNMENT_HAND_IN,
            post(a::hand_in).layer(DefaultBodyLimit::disable()),
        )
        .route(p::HANDED_FILE, get(a::handed_file))
        .route(p::HAND_BACK, post(a::hand_back))
        .merge(library_routes())
}

/// Search and the library.
fn library_routes() -> Router<WebState> {
    use axum::extract::DefaultBodyLimit;
    use pages::{library as l, search as s};
    use paths as p;
    Router::new()
        .route(p::SEARCH, get(s::page))
        .route(p::SEARCH_SUGGEST, get(s::suggestions))
        .route(p::LIBRARY, get(l::browse))
        .route(
            p::LIBRARY_PUBLISH,
            get(l::publish_form)
                .post(l::publish)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            p::LIBRARY_IMPORT,
            get(l::import_form)
                .post(l::import)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(p::RESOURCE, get(l::resource))
        .route(p::RESOURCE_DOWNLOAD, get(l::download))
        .route(p::RESOURCE_VIEW, get(l::view))
        .route(p::RESOURCE_WITHDRAW, post(l::withdraw))
        .route(p::RESOURCE_CURATE, post(l::curate))
        .route(p::COLLECTIONS, post(l::create_collection))
        .route(p::COLLECTION, get(l::collection))
}

/// Booking rooms and equipment (the iCalendar feeds are routed outside the CSRF layer).
fn bookings_routes() -> Router<WebState> {
    use pages::bookings as b;
    use paths as p;
    Router::new()
        .route(p::BOOKINGS, get(b::home))
        .route(p::BOOK, get(b::book_form).post(b::book))
        .route(p::BOOKABLE_WEEK, get(b::bookable_week))
        .route(p::BOOKABLE_SHEET, get(b::bookable_sheet))
        .route(p::MY_WEEK, get(b::my_week))
        .route(p::PERSON_WEEK, get(b::person_week))
        .route(p::SCHOOL_DAY, get(b::school_day))
        .route(p::BOOKING, get(b::booking))
        .route(p::BOOKING_CANCEL, post(b::cancel))
        .route(p::BOOKING_MOVE, post(b::move_booking))
        .route(p::BOOKING_DECIDE, post(b::decide))
        .route(p::BOOKABLES, get(b::bookables).post(b::add_bookable))
        .route(
            p::BOOKABLE_EDIT,
            get(b::bookable_edit).post(b::save_bookable),
        )
        .route(
            p::BOOKING_CALENDAR,
            get(b::calendar_form).post(b::save_calendar),
        )
        .route(p::NOTICE_DISMISS, post(b::dismiss_notice))
        .route(p::MY_FEED_RENEW, post(b::renew_feed))
}

/// The school's news. Publishing and editing stream their files and take no body limit of
/// their own: the file size limit of the application applies.
fn news_routes() -> Router<WebState> {
    use axum::extract::DefaultBodyLimit;
    use pages::news as n;
    use paths as p;
    Router::new()
        .route(p::NEWS, get(n::list))
        .route(
            p::NEWS_NEW,
            get(n::new_form)
                .post(n::publish)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(p::NEWS_ITEM, get(n::item))
        .route(
            p::NEWS_EDIT,
            get(n::edit_form)
                .post(n::update)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(p::NEWS_WITHDRAW, post(n::withdraw))
        .route(p::NEWS_FILE, get(n::file))
        .route(p::NEWS_PICTURE, get(n::picture))
        .route(p::NEWS_THUMB, get(n::thumbnail))
}

/// Messages. Writing and replying stream their files and take no body limit of their own:
/// the file size limit of the application applies.
fn messages_routes() -> Router<WebState> {
    use axum::extract::DefaultBodyLimit;
    use pages::messages as m;
    use paths as p;
    Router::new()
        .route(p::MESSAGES, get(m::inbox))
        .route(
            p::MESSAGE_NEW,
            get(m::new_form)
                .post(m::send)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(p::MESSAGE_RULES, get(m::rules).post(m::save_rules))
        .route(p::MESSAGE_EMERGENCY, post(m::emergency))
        .route(p::MESSAGE_REPORTS, get(m::reports))
        .route(p::MESSAGE_CLASSMATES, post(m::classmates))
        .route(p::CONVERSATION, get(m::conversation))
        .route(
            p::CONVERSATION_REPLY,
            post(m::reply).layer(DefaultBodyLimit::disable()),
        )
        .route(p::MESSAGE_REPORT, post(m::report))
        .route(p::MESSAGE_FILE, get(m::file))
        .route(p::MESSAGE_PICTURE, get(m::picture))
}

/// The cahier de textes (the homework feed is routed outside the CSRF layer).
fn liaison_routes() -> Router<WebState> {
    use pages::liaison as l;
    use paths as p;
    Router::new()
        .route(p::LIAISON, get(l::home))
        .route(p::LIAISON_CLASS, get(l::class))
        .route(p::LIAISON_NEW, get(l::new_form).post(l::create))
        .route(p::LIAISON_PUPIL, get(l::pupil))
        .route(p::LIAISON_WORD, get(l::word))
        .route(p::LIAISON_SIGN, post(l::sign))
        .route(p::LIAISON_CONSENT, post(l::consent))
        .route(p::LIAISON_REPLY, post(l::reply))
        .route(p::LIAISON_REMIND, post(l::remind))
        .route(p::LIAISON_WITHDRAW, post(l::withdraw))
        .route(p::LIAISON_SLIPS, get(l::slips))
        .route(p::LIAISON_FILE, get(l::file))
}

/// Exercises. Question forms and imports stream their files and take no body limit of
/// their own: the file size limit of the application applies.
fn exercise_routes() -> Router<WebState> {
    use axum::extract::DefaultBodyLimit;
    use pages::exercises as x;
    use paths as p;
    Router::new()
        .route(p::EXERCISES, get(x::home))
        .route(
            p::EXERCISE_SEQUENCE_NEW,
            get(x::new_sequence).post(x::create_sequence),
        )
        .route(
            p::EXERCISE_IMPORT,
            post(x::import).layer(DefaultBodyLimit::disable()),
        )
        .route(p::EXERCISE_SEQUENCE, get(x::sequence))
        .route(
            p::EXERCISE_SEQUENCE_EDIT,
            get(x::edit_sequence).post(x::update_sequence),
        )
        .route(p::EXERCISE_SEQUENCE_ADD, post(x::add_exercise))
        .route(p::EXERCISE_SEQUENCE_REMOVE, post(x::remove_exercise))
        .route(p::EXERCISE_SEQUENCE_COPY, post(x::copy))
        .route(p::EXERCISE_SEQUENCE_EXPORT, get(x::export))
        .route(p::EXERCISE_SEQUENCE_PUBLISH, post(x::publish))
        .route(p::EXERCISE_ASSIGN, get(x::assign_form).post(x::assign))
        .route(p::EXERCISE, get(x::exercise).post(x::update_exercise))
        .route(
            p::EXERCISE_QUESTION_NEW,
            post(x::add_question).layer(DefaultBodyLimit::disable()),
        )
        .route(
            p::EXERCISE_QUESTION,
            get(x::question)
                .post(x::update_question)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(p::EXERCISE_QUESTION_DELETE, post(x::delete_question))
        .route(p::EXERCISE_QUESTION_MOVE, post(x::move_question))
        .route(p::EXERCISE_MEDIA, get(x::media))
        .route(p::EXERCISE_CLASS, get(x::class_results))
        .route(p::EXERCISE_CLASS_CSV, get(x::class_csv))
        .route(p::EXERCISE_TASK, get(x::task))
        .route(p::EXERCISE_TASK_START, post(x::start))
        .route(p::EXERCISE_TASK_ANSWER, post(x::answer))
        .route(p::EXERCISE_TASK_WITHDRAW, post(x::withdraw))
        .route(p::EXERCISE_MARK, post(x::mark))
        .route(p::EXERCISE_PUPIL, get(x::pupil))
        .route(p::EXERCISE_LIVRET, post(x::livret_level))
}

fn logbook_routes() -> Router<WebState> {
    use pages::logbook as l;
    use paths as p;
    Router::new()
        .route(p::LOGBOOK, get(l::home))
        .route(p::LOGBOOK_CLASS, get(l::class_week))
        .route(p::LOGBOOK_NEW, get(l::new_form).post(l::create))
        .route(p::LOGBOOK_FEED_RENEW, post(l::renew_feed))
        .route(p::LOGBOOK_ENTRY, get(l::entry).post(l::update))
        .route(p::LOGBOOK_ENTRY_DELETE, post(l::delete))
        .route(p::LOGBOOK_TICK, post(l::tick))
        .route(p::LOGBOOK_FILE, get(l::file))
        .route(p::LOGBOOK_PUPIL_WEEK, get(l::pupil_week))
        .route(p::LOGBOOK_PUPIL_DAY, get(l::pupil_day))
}

/// The WebDAV network drive, for every method (see [`dav`] for how it is protected).
fn dav_routes() -> Router<WebState> {
    use axum::routing::any;
    Router::new()
        .route(paths::DAV, any(dav::handle))
        .route(paths::DAV_ROOT, any(dav::handle))
        .route(paths::DAV_ANY, any(dav::handle))
}

/// The plain-HTTP port: the certificate page and file, and a redirect to HTTPS for the rest.
pub fn http_router(state: WebState, https_port: u16) -> Router {
    Router::new()
        .route(paths::CERTIFICATE, get(pages::certificate::page))
        .route(paths::CERTIFICATE_FILE, get(pages::certificate::download))
        .route(paths::STATIC, get(assets::serve))
        .fallback(move |req: axum::extract::Request| pages::certificate::to_https(req, https_port))
        .layer(from_fn(security::headers))
        .layer(axum::middleware::from_fn_with_state(
            state.assets.clone(),
            edge::edge,
        ))
        .with_state(state)
}
