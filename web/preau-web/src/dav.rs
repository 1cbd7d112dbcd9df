//! The network drive: WebDAV at `/dav/`, so that a classroom PC can mount "Mes documents"
//! (Windows: "Connecter un lecteur réseau"; macOS: "Se connecter au serveur"; rclone…).
//!
//! * **Same spaces, same rules.** The file system below is a view over the document use
//!   cases of [`App`], acting as the signed-in person: every read and write goes through the
//!   same access decision as the pages. The top folder holds one folder per space the person
//!   may open, named by its title ("Mes documents", "Classe CM1 A"…), and "Partagés avec
//!   moi"; below, folders and files appear under their served names
//!   ([`preau_core::documents::served_name`]), made unique within each folder.
//! * **Authentication** is HTTP Basic over TLS with the login and an *application password*
//!   created on the account page — never the account's own password, never the session
//!   cookie.
//! * **No CSRF token** (programs have none), and no form body limit; instead a request a
//!   browser marks as coming from a web page of another site (`Sec-Fetch-Site`, `Origin`) is
//!   refused, since browsers replay cached Basic credentials.
//! * **Uploads** stream into a new blob in 1 MiB batches written on the blocking pool and are
//!   filed only once the whole body has arrived: an interrupted PUT leaves nothing visible.
//!   The file size limit and the space quotas of the application apply (413, 507).
//! * **DELETE puts the item in its space's trash**, whole: nothing is destroyed and the web
//!   page can restore it.

use crate::WebState;
use crate::error::WebError;
use crate::i18n;
use crate::upload::{BATCH, Pipeline};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use dav_server::DavHandler;
use dav_server::davpath::DavPath;
use dav_server::fakels::FakeLs;
use dav_server::fs::{
    DavDirEntry, DavFile, DavFileSystem, DavMetaData, DavProp, FsError, FsFuture, FsResult,
    FsStream, OpenOptions, ReadDirMeta,
};
use preau_app::documents::Incoming;
use preau_app::{App, AppError, Problem};
use preau_core::documents::{numbered_name, served_name};
use preau_core::{Node, NodeId, Subject};
use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio_util::bytes::{Buf, Bytes};

/// Where the drive is mounted.
const PREFIX: &str = "/dav";
/// The folder of the top level listing what others shared with the person.
pub const SHARED_FOLDER: &str = "Partagés avec moi";
/// Bytes read from a file per chunk of a download.
const READ_CHUNK: usize = 256 * 1024;
/// The challenge sent with 401 (the realm is shown by the client's password prompt).
const CHALLENGE: &str = "Basic realm=\"Préau\", charset=\"UTF-8\"";

/// Serves every WebDAV request under `/dav` (any method).
pub async fn handle(State(state): State<WebState>, req: Request) -> Response {
    if from_a_web_page(req.headers()) {
        return french(StatusCode::FORBIDDEN, i18n::DAV_FROM_A_WEB_PAGE);
    }
    let Some((login, password)) = basic_credentials(req.headers()) else {
        return unauthorized();
    };
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let visitor = preau_app::Visitor {
        ip,
        previous_token: None,
    };
    let current = match state.app.sign_in_app_password(&visitor, &login, &password) {
        Ok(current) => current,
        Err(AppError::OutsideSchoolNetwork) => {
            return french(StatusCode::FORBIDDEN, i18n::OUTSIDE_SCHOOL);
        }
        Err(e @ (AppError::Store(_) | AppError::Disk(_))) => {
            return WebError::App(e).into_response();
        }
        Err(_) => return unauthorized(),
    };
    let fs = PreauFs(Arc::new(Ctx {
        app: state.app.clone(),
        delete_root: delete_root(&req),
        target: DavPath::new(req.uri().path())
            .and_then(|mut p| p.set_prefix(PREFIX).map(|()| p))
            .map(|p| segments(p.as_bytes()))
            .unwrap_or_default(),
        me: current.subject,
    }));
    let dav = DavHandler::<()>::builder()
        .strip_prefix(PREFIX)
        .filesystem(Box::new(fs))
        .locksystem(FakeLs::new())
        .principal(current.user.login)
        .read_buf_size(READ_CHUNK)
        .autoindex(false)
        .build_handler();
    let download = matches!(*req.method(), Method::GET | Method::HEAD);
    let (mut parts, body) = dav.handle(req).await.into_parts();
    if download && parts.status.is_success() {
        // A browser saves files rather than showing them as pages of this site.
        parts.headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment"),
        );
    }
    with_french_errors(Response::from_parts(parts, Body::new(body)))
}

/// Whether a browser says the request comes from a web page of another site. WebDAV
/// clients send neither header.
fn from_a_web_page(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site")
        && !matches!(site.as_bytes(), b"same-origin" | b"none")
    {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (origin.to_str().ok(), host) {
        (Some(origin), Some(host)) => origin.trim_end_matches('/') != format!("https://{host}"),
        _ => true,
    }
}

/// The login and password of an `Authorization: Basic` header (UTF-8).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (login, password) = decoded.split_once(':')?;
    Some((login.to_string(), password.to_string()))
}

/// 401 with the Basic challenge.
fn unauthorized() -> Response {
    let mut response = french(StatusCode::UNAUTHORIZED, i18n::DAV_WRONG_CREDENTIALS);
    let challenge = HeaderValue::from_bytes(CHALLENGE.as_bytes())
        .unwrap_or(HeaderValue::from_static("Basic realm=\"Preau\""));
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, challenge);
    response
}

/// A short French page with a status. (The edge layer would replace a bare error with the
/// site's error page, dropping WebDAV's own headers, so the drive gives its own.)
fn french(status: StatusCode, message: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>Préau — lecteur réseau</title><p>{message}</p></html>"
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

/// Gives WebDAV's bodiless error responses a French message, keeping their headers.
fn with_french_errors(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.headers().contains_key(header::CONTENT_TYPE)
    {
        return response;
    }
    let message = match status {
        StatusCode::NOT_FOUND => i18n::DAV_NOT_FOUND,
        StatusCode::FORBIDDEN => i18n::FORBIDDEN,
        StatusCode::INSUFFICIENT_STORAGE => i18n::DAV_FULL,
        StatusCode::PAYLOAD_TOO_LARGE => i18n::DAV_TOO_LARGE,
        StatusCode::METHOD_NOT_ALLOWED => i18n::METHOD,
        s if s.is_server_error() => i18n::INTERNAL,
        _ => i18n::DAV_REFUSED,
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let page = french(status, message);
    let (page_parts, body) = page.into_parts();
    parts.headers.extend(page_parts.headers);
    Response::from_parts(parts, body)
}

/// The path (below the mount) whose removal this request may cause: the target of a DELETE,
/// the destination of a MOVE or COPY (overwritten). Removals strictly below it are part of
/// trashing it whole, and do nothing on their own.
fn delete_root(req: &Request) -> Option<Vec<Vec<u8>>> {
    let path = match req.method().as_str() {
        "DELETE" => req.uri().path().to_string(),
        "MOVE" | "COPY" => {
            let dest = req.headers().get("destination")?.to_str().ok()?;
            if dest.starts_with('/') {
                dest.to_string()
            } else {
                dest.parse::<axum::http::Uri>().ok()?.path().to_string()
            }
        }
        _ => return None,
    };
    let mut path = DavPath::new(&path).ok()?;
    path.set_prefix(PREFIX).ok()?;
    Some(segments(path.as_bytes()))
}

/// The non-empty segments of a decoded path.
fn segments(path: &[u8]) -> Vec<Vec<u8>> {
    path.split(|b| *b == b'/')
        .filter(|s| !s.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// A segment as text (names are UTF-8; anything else names nothing).
fn text(segment: &[u8]) -> FsResult<String> {
    String::from_utf8(segment.to_vec()).map_err(|_| FsError::NotFound)
}

/// A name for something new: refused when it would not be shown as typed.
fn new_name(segment: &[u8]) -> FsResult<String> {
    let name = text(segment)?;
    if served_name(&name) != name {
        return Err(FsError::Forbidden);
    }
    Ok(name)
}

/// Maps the application's refusals to WebDAV's.
fn fs_error(e: AppError) -> FsError {
    match e {
        AppError::NotFound => FsError::NotFound,
        AppError::Invalid(Problem::QuotaExceeded { .. }) => FsError::InsufficientStorage,
        AppError::Invalid(Problem::FileTooLarge(_)) => FsError::TooLarge,
        AppError::Invalid(Problem::NameTaken(_)) => FsError::Exists,
        AppError::Invalid(Problem::NotAFolder) => FsError::NotFound,
        AppError::Invalid(Problem::TooLong(_)) => FsError::PathTooLong,
        AppError::Store(e) => {
            tracing::warn!("webdav: store: {e}");
            FsError::GeneralFailure
        }
        AppError::Disk(e) => {
            tracing::warn!("webdav: disk: {e}");
            FsError::InsufficientStorage
        }
        _ => FsError::Forbidden,
    }
}

/// `?` for application results inside the file system.
trait OrFs<T> {
    fn fs(self) -> FsResult<T>;
}

impl<T> OrFs<T> for Result<T, AppError> {
    fn fs(self) -> FsResult<T> {
        self.map_err(fs_error)
    }
}

impl<T> OrFs<T> for Result<T, WebError> {
    fn fs(self) -> FsResult<T> {
        self.map_err(|e| match e {
            WebError::App(e) => fs_error(e),
            _ => FsError::GeneralFailure,
        })
    }
}

/// Gives each node a unique name fit for serving: names that are already safe keep it;
/// the others get their served form, numbered if that is taken.
fn named(nodes: Vec<Node>) -> Vec<(String, Node)> {
    let mut taken = HashSet::new();
    let safe: Vec<bool> = nodes
        .iter()
        .map(|n| served_name(&n.name) == n.name && taken.insert(n.name.clone()))
        .collect();
    nodes
        .into_iter()
        .zip(safe)
        .map(|(node, safe)| {
            let name = if safe {
                node.name.clone()
            } else {
                unique(&mut taken, served_name(&node.name))
            };
            (name, node)
        })
        .collect()
}

/// `base`, or "base (2)", "base (3)"… whichever is not taken yet; marks it taken.
fn unique(taken: &mut HashSet<String>, base: String) -> String {
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = numbered_name(&base, n);
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

/// Unix seconds as a time.
fn system_time(secs: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).unwrap_or(0))
}

/// What a path names.
enum Place {
    /// The top folder: the spaces.
    Top,
    /// "Partagés avec moi".
    Shared,
    /// A folder or a file.
    Item(Node),
}

/// What the top folder holds.
enum TopEntry {
    /// A space's top folder.
    Space(NodeId),
    /// "Partagés avec moi".
    Shared,
}

/// The request's view of the document spaces.
struct Ctx {
    app: Arc<App>,
    me: Subject,
    /// The path the request is about (its space's quota is the one reported).
    target: Vec<Vec<u8>>,
    /// See [`delete_root`].
    delete_root: Option<Vec<Vec<u8>>>,
}

/// The WebDAV file system of one request.
#[derive(Clone)]
struct PreauFs(Arc<Ctx>);

impl Ctx {
    /// The top folder's entries, with their names.
    fn top(&self) -> FsResult<Vec<(String, TopEntry)>> {
        let mut taken = HashSet::from([SHARED_FOLDER.to_string()]);
        let mut out = Vec::new();
        for view in self.app.spaces(&self.me).fs()? {
            let name = unique(&mut taken, served_name(&view.title));
            out.push((name, TopEntry::Space(view.space.root)));
        }
        out.push((SHARED_FOLDER.to_string(), TopEntry::Shared));
        Ok(out)
    }

    /// What others shared with the person, with their names (oldest share first, so
    /// that names stay put when more arrive).
    fn shared(&self) -> FsResult<Vec<(String, Node)>> {
        let mut seen = HashSet::new();
        let mut nodes: Vec<Node> = self
            .app
            .shared_with_me(&self.me)
            .fs()?
            .into_iter()
            .filter_map(|(_, node)| seen.insert(node.id).then_some(node))
            .collect();
        nodes.sort_by_key(|n| n.id);
        Ok(named(nodes))
    }

    /// The named children of a folder ("Partagés avec moi" or a real one).
    fn children(&self, place: &Place) -> FsResult<Vec<(String, Node)>> {
        match place {
            Place::Top => Err(FsError::Forbidden),
            Place::Shared => self.shared(),
            Place::Item(node) if node.is_folder() => {
                Ok(named(self.app.folder(&self.me, node.id).fs()?.children))
            }
            Place::Item(_) => Err(FsError::NotFound),
        }
    }

    /// The child of a place with this name.
    fn child(&self, place: &Place, name: &str) -> FsResult<Option<Node>> {
        Ok(self
            .children(place)?
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, node)| node))
    }

    /// What a path names, checking access at every step.
    fn locate(&self, segments: &[Vec<u8>]) -> FsResult<Place> {
        let Some((first, rest)) = segments.split_first() else {
            return Ok(Place::Top);
        };
        let first = text(first)?;
        let entry = self
            .top()?
            .into_iter()
            .find(|(name, _)| *name == first)
            .ok_or(FsError::NotFound)?
            .1;
        let mut place = match entry {
            TopEntry::Shared => Place::Shared,
            TopEntry::Space(root) => Place::Item(self.app.resolve(&self.me, root).fs()?.node),
        };
        for segment in rest {
            let node = self
                .child(&place, &text(segment)?)?
                .ok_or(FsError::NotFound)?;
            place = Place::Item(node);
        }
        Ok(place)
    }

    /// The real folder a new item of a path goes into, and the item's name.
    fn parent_folder(&self, segments: &[Vec<u8>]) -> FsResult<(Node, String)> {
        let (last, parent) = segments.split_last().ok_or(FsError::Forbidden)?;
        match self.locate(parent)? {
            Place::Item(folder) if folder.is_folder() => Ok((folder, text(last)?)),
            // A file in the way: the parent does not exist as a folder (409).
            Place::Item(_) => Err(FsError::NotFound),
            Place::Top | Place::Shared => Err(FsError::Forbidden),
        }
    }

    /// A node that may be moved, renamed or trashed (not a space's top folder).
    fn movable(&self, segments: &[Vec<u8>]) -> FsResult<Node> {
        match self.locate(segments)? {
            Place::Item(node) if node.parent.is_some() => Ok(node),
            _ => Err(FsError::Forbidden),
        }
    }

    /// Whether a path lies strictly inside the one this request removes whole.
    fn inside_removed(&self, segments: &[Vec<u8>]) -> bool {
        self.delete_root
            .as_ref()
            .is_some_and(|root| segments.len() > root.len() && segments.starts_with(root))
    }

    fn meta_of(&self, place: &Place) -> Meta {
        match place {
            Place::Item(node) => Meta::of(node),
            Place::Top | Place::Shared => Meta::folder(self.app.now()),
        }
    }

    /// Opens a file to write: a PUT streams into a new blob filed at `flush`.
    fn open_for_writing(
        self: &Arc<Self>,
        segments: &[Vec<u8>],
        options: &OpenOptions,
    ) -> FsResult<WriteFile> {
        if options.append {
            return Err(FsError::NotImplemented);
        }
        let (folder, segment_name) = self.parent_folder(segments)?;
        let existing = self.child(&Place::Item(folder.clone()), &segment_name)?;
        let exists = existing.is_some();
        let (name, room_freed) = match existing {
            Some(node) if node.is_folder() => return Err(FsError::Forbidden),
            Some(_) if options.create_new => return Err(FsError::Exists),
            Some(node) => (node.name.clone(), node.stored_bytes()),
            None if !options.create => return Err(FsError::NotFound),
            None => (new_name(segment_name.as_bytes())?, 0),
        };
        self.app
            .check_upload(&self.me, folder.id, options.size)
            .fs()?;
        let space = self.app.resolve(&self.me, folder.id).fs()?.space;
        let quota = self.app.quota_of(space.owner);
        // What may arrive before the quota is certainly exceeded (earlier revisions that
        // would drop out can free up to `room_freed`).
        let allowance = quota.saturating_sub(space.used).saturating_add(room_freed);
        let incoming = self.app.incoming(&name).fs()?;
        let mut file = WriteFile {
            ctx: self.clone(),
            folder: folder.id,
            pipeline: None,
            name,
            expected: options.size,
            allowance,
            batch: Vec::new(),
            received: 0,
            saved: None,
        };
        if options.truncate {
            file.pipeline = Some(Pipeline::new(incoming));
        } else if !exists {
            // LOCK on a new name: an empty file is created now; the content comes with a
            // later PUT. (A partial update of an existing file is not offered.)
            file.save_now(incoming)?;
        }
        Ok(file)
    }
}

impl DavFileSystem for PreauFs {
    fn open<'a>(
        &'a self,
        path: &'a DavPath,
        options: OpenOptions,
    ) -> FsFuture<'a, Box<dyn DavFile>> {
        Box::pin(async move {
            let segments = segments(path.as_bytes());
            if options.write || options.append || options.create || options.create_new {
                let file = self.0.open_for_writing(&segments, &options)?;
                return Ok(Box::new(file) as Box<dyn DavFile>);
            }
            let node = match self.0.locate(&segments)? {
                Place::Item(node) if !node.is_folder() => node,
                _ => return Err(FsError::Forbidden),
            };
            let (node, _, file) = self.0.app.open_file(&self.0.me, node.id, 0).fs()?;
            Ok(Box::new(ReadFile {
                file: Some(file),
                meta: Meta::of(&node),
            }) as Box<dyn DavFile>)
        })
    }

    fn read_dir<'a>(
        &'a self,
        path: &'a DavPath,
        _meta: ReadDirMeta,
    ) -> FsFuture<'a, FsStream<Box<dyn DavDirEntry>>> {
        Box::pin(async move {
            let ctx = &self.0;
            let place = ctx.locate(&segments(path.as_bytes()))?;
            let entries: Vec<Entry> = match &place {
                Place::Top => {
                    let mut out = Vec::new();
                    for (name, entry) in ctx.top()? {
                        let meta = match entry {
                            TopEntry::Space(root) => {
                                Meta::of(&ctx.app.resolve(&ctx.me, root).fs()?.node)
                            }
                            TopEntry::Shared => Meta::folder(ctx.app.now()),
                        };
                        out.push(Entry { name, meta });
                    }
                    out
                }
                Place::Item(node) if !node.is_folder() => return Err(FsError::Forbidden),
                _ => ctx
                    .children(&place)?
                    .into_iter()
                    .map(|(name, node)| Entry {
                        name,
                        meta: Meta::of(&node),
                    })
                    .collect(),
            };
            let stream = futures_util::stream::iter(
                entries
                    .into_iter()
                    .map(|e| Ok(Box::new(e) as Box<dyn DavDirEntry>)),
            );
            Ok(Box::pin(stream) as FsStream<Box<dyn DavDirEntry>>)
        })
    }

    fn metadata<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, Box<dyn DavMetaData>> {
        Box::pin(async move {
            let place = self.0.locate(&segments(path.as_bytes()))?;
            Ok(Box::new(self.0.meta_of(&place)) as Box<dyn DavMetaData>)
        })
    }

    fn create_dir<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        Box::pin(async move {
            let ctx = &self.0;
            let segments = segments(path.as_bytes());
            let (folder, name) = ctx.parent_folder(&segments)?;
            if ctx.child(&Place::Item(folder.clone()), &name)?.is_some() {
                return Err(FsError::Exists);
            }
            let name = new_name(name.as_bytes())?;
            ctx.app.create_folder(&ctx.me, folder.id, &name).fs()?;
            Ok(())
        })
    }

    fn remove_dir<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        self.remove_file(path)
    }

    fn remove_file<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        Box::pin(async move {
            let ctx = &self.0;
            let segments = segments(path.as_bytes());
            if ctx.inside_removed(&segments) {
                // Goes to the trash with the folder being removed.
                return Ok(());
            }
            let node = ctx.movable(&segments)?;
            ctx.app.trash(&ctx.me, node.id).fs()?;
            Ok(())
        })
    }

    fn rename<'a>(&'a self, from: &'a DavPath, to: &'a DavPath) -> FsFuture<'a, ()> {
        Box::pin(async move {
            let ctx = &self.0;
            let node = ctx.movable(&segments(from.as_bytes()))?;
            let (folder, name) = ctx.parent_folder(&segments(to.as_bytes()))?;
            let name = new_name(name.as_bytes())?;
            ctx.app
                .move_to(&ctx.me, node.id, folder.id, Some(&name))
                .fs()?;
            Ok(())
        })
    }

    fn copy<'a>(&'a self, from: &'a DavPath, to: &'a DavPath) -> FsFuture<'a, ()> {
        Box::pin(async move {
            let ctx = &self.0;
            let node = match ctx.locate(&segments(from.as_bytes()))? {
                Place::Item(node) => node,
                _ => return Err(FsError::Forbidden),
            };
            let (folder, name) = ctx.parent_folder(&segments(to.as_bytes()))?;
            let name = new_name(name.as_bytes())?;
            ctx.app
                .copy_to(&ctx.me, node.id, folder.id, Some(&name))
                .fs()?;
            Ok(())
        })
    }

    fn patch_props<'a>(
        &'a self,
        _path: &'a DavPath,
        patch: Vec<(bool, DavProp)>,
    ) -> FsFuture<'a, Vec<(StatusCode, DavProp)>> {
        // Custom properties are not kept: say so for each.
        Box::pin(async move {
            Ok(patch
                .into_iter()
                .map(|(_, prop)| (StatusCode::FORBIDDEN, prop))
                .collect())
        })
    }

    fn get_quota(&self) -> FsFuture<'_, (u64, Option<u64>)> {
        Box::pin(async move {
            let ctx = &self.0;
            let space = match ctx.locate(&ctx.target) {
                Ok(Place::Item(node)) => ctx.app.resolve(&ctx.me, node.id).fs()?.space,
                _ => {
                    let personal = ctx.app.spaces(&ctx.me).fs()?.into_iter().next();
                    personal.ok_or(FsError::NotImplemented)?.space
                }
            };
            Ok((space.used, Some(ctx.app.quota_of(space.owner))))
        })
    }
}

/// Size, time and tag of a folder or file.
#[derive(Clone, Debug)]
struct Meta {
    dir: bool,
    len: u64,
    modified: i64,
    /// The content's digest (files only).
    etag: Option<String>,
}

impl Meta {
    fn folder(modified: i64) -> Meta {
        Meta {
            dir: true,
            len: 0,
            modified,
            etag: None,
        }
    }

    fn of(node: &Node) -> Meta {
        match node.current() {
            Some(rev) => Meta {
                dir: false,
                len: rev.size,
                modified: node.modified_at,
                etag: Some(rev.blob.hex()),
            },
            None => Meta::folder(node.modified_at),
        }
    }
}

impl DavMetaData for Meta {
    fn len(&self) -> u64 {
        self.len
    }

    fn modified(&self) -> FsResult<SystemTime> {
        Ok(system_time(self.modified))
    }

    fn is_dir(&self) -> bool {
        self.dir
    }

    fn etag(&self) -> Option<String> {
        self.etag.clone()
    }
}

/// One entry of a folder listing.
struct Entry {
    name: String,
    meta: Meta,
}

impl DavDirEntry for Entry {
    fn name(&self) -> Vec<u8> {
        self.name.as_bytes().to_vec()
    }

    fn metadata(&self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        let meta = self.meta.clone();
        Box::pin(async move { Ok(Box::new(meta) as Box<dyn DavMetaData>) })
    }
}

/// A file being read: its blob, read on the blocking pool.
#[derive(Debug)]
struct ReadFile {
    /// The open blob (taken while a read runs).
    file: Option<std::fs::File>,
    meta: Meta,
}

impl ReadFile {
    /// Runs a blocking operation on the open blob.
    async fn with_file<T: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut std::fs::File) -> std::io::Result<T> + Send + 'static,
    ) -> FsResult<T> {
        let mut file = self.file.take().ok_or(FsError::GeneralFailure)?;
        let (file, result) = tokio::task::spawn_blocking(move || {
            let result = work(&mut file);
            (file, result)
        })
        .await
        .map_err(|_| FsError::GeneralFailure)?;
        self.file = Some(file);
        result.map_err(|e| {
            tracing::warn!("webdav: reading a blob: {e}");
            FsError::GeneralFailure
        })
    }
}

impl DavFile for ReadFile {
    fn metadata(&mut self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        let meta = self.meta.clone();
        Box::pin(async move { Ok(Box::new(meta) as Box<dyn DavMetaData>) })
    }

    fn write_buf(&mut self, _buf: Box<dyn Buf + Send>) -> FsFuture<'_, ()> {
        Box::pin(async { Err(FsError::Forbidden) })
    }

    fn write_bytes(&mut self, _buf: Bytes) -> FsFuture<'_, ()> {
        Box::pin(async { Err(FsError::Forbidden) })
    }

    fn read_bytes(&mut self, count: usize) -> FsFuture<'_, Bytes> {
        let count = count.min(4 * READ_CHUNK);
        Box::pin(async move {
            let buf = self
                .with_file(move |file| {
                    let mut buf = vec![0u8; count];
                    let mut filled = 0;
                    while filled < count {
                        match file.read(&mut buf[filled..]) {
                            Ok(0) => break,
                            Ok(n) => filled += n,
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                            Err(e) => return Err(e),
                        }
                    }
                    buf.truncate(filled);
                    Ok(buf)
                })
                .await?;
            Ok(Bytes::from(buf))
        })
    }

    fn seek(&mut self, pos: SeekFrom) -> FsFuture<'_, u64> {
        Box::pin(async move { self.with_file(move |file| file.seek(pos)).await })
    }

    fn flush(&mut self) -> FsFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }
}

/// A file being written: bytes stream into a new blob; `flush` files it.
struct WriteFile {
    ctx: Arc<Ctx>,
    folder: NodeId,
    name: String,
    /// The announced size, if any.
    expected: Option<u64>,
    /// Bytes that may arrive before the quota is certainly exceeded.
    allowance: u64,
    /// The blob being written (none once filed or after a failure).
    pipeline: Option<Pipeline>,
    batch: Vec<u8>,
    received: u64,
    /// The file once filed.
    saved: Option<Node>,
}

impl std::fmt::Debug for WriteFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteFile")
            .field("folder", &self.folder)
            .field("received", &self.received)
            .finish()
    }
}

impl WriteFile {
    /// Takes bytes, writing them out in batches.
    async fn take(&mut self, bytes: &[u8]) -> FsResult<()> {
        if self.pipeline.is_none() {
            return Err(FsError::Forbidden);
        }
        self.received += bytes.len() as u64;
        if self.received > self.allowance {
            // Stop now rather than at the end: dropping the blob leaves nothing.
            self.pipeline = None;
            return Err(FsError::InsufficientStorage);
        }
        self.batch.extend_from_slice(bytes);
        if self.batch.len() >= BATCH {
            self.spill().await?;
        }
        Ok(())
    }

    /// Sends the gathered batch to the disk (while the next one arrives).
    async fn spill(&mut self) -> FsResult<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        let pipeline = self.pipeline.as_mut().ok_or(FsError::Forbidden)?;
        if let Err(e) = pipeline.push(batch).await {
            self.pipeline = None;
            return Err(e).fs();
        }
        Ok(())
    }

    /// Files an empty file at once (LOCK on a new name).
    fn save_now(&mut self, incoming: Incoming) -> FsResult<()> {
        let received = incoming.finish().fs()?;
        let ctx = &self.ctx;
        let node = ctx
            .app
            .save_file(&ctx.me, self.folder, &self.name, &received)
            .fs()?;
        self.saved = Some(node);
        Ok(())
    }
}

impl DavFile for WriteFile {
    fn metadata(&mut self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        let meta = match &self.saved {
            Some(node) => Meta::of(node),
            None => Meta {
                dir: false,
                len: self.received,
                modified: self.ctx.app.now(),
                etag: None,
            },
        };
        Box::pin(async move { Ok(Box::new(meta) as Box<dyn DavMetaData>) })
    }

    fn write_buf(&mut self, mut buf: Box<dyn Buf + Send>) -> FsFuture<'_, ()> {
        Box::pin(async move {
            while buf.has_remaining() {
                let chunk = buf.chunk().to_vec();
                buf.advance(chunk.len());
                self.take(&chunk).await?;
            }
            Ok(())
        })
    }

    fn write_bytes(&mut self, buf: Bytes) -> FsFuture<'_, ()> {
        Box::pin(async move { self.take(&buf).await })
    }

    fn read_bytes(&mut self, _count: usize) -> FsFuture<'_, Bytes> {
        Box::pin(async { Err(FsError::Forbidden) })
    }

    fn seek(&mut self, _pos: SeekFrom) -> FsFuture<'_, u64> {
        // Partial updates are not offered: files change whole, as new revisions.
        Box::pin(async { Err(FsError::NotImplemented) })
    }

    fn flush(&mut self) -> FsFuture<'_, ()> {
        Box::pin(async move {
            if self.saved.is_some() {
                return Ok(());
            }
            if self.expected.is_some_and(|size| size != self.received) {
                // The body ended early: file nothing (the handler answers 400).
                self.pipeline = None;
                return Ok(());
            }
            self.spill().await?;
            let pipeline = self.pipeline.take().ok_or(FsError::Forbidden)?;
            let received = pipeline.finish().await.fs()?;
            let ctx = self.ctx.clone();
            let (folder, name) = (self.folder, self.name.clone());
            let node = tokio::task::spawn_blocking(move || {
                ctx.app.save_file(&ctx.me, folder, &name, &received)
            })
            .await
            .map_err(|_| FsError::GeneralFailure)?
            .fs()?;
            self.saved = Some(node);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use preau_core::{NodeKind, SpaceId, UserId};

    fn node(id: u64, name: &str) -> Node {
        Node {
            id: NodeId(id),
            space: SpaceId(1),
            parent: Some(NodeId(0)),
            name: name.into(),
            kind: NodeKind::Folder,
            created_by: UserId(1),
            modified_at: 0,
            trashed: None,
        }
    }

    #[test]
    fn names_are_safe_and_unique_and_safe_names_keep_theirs() {
        let nodes = vec![
            node(1, "a/b"),
            node(2, "a_b"),
            node(3, "photo\u{202E}gnp.exe"),
            node(4, "photo_gnp.exe"),
            node(5, "x\0y"),
        ];
        let names: Vec<String> = named(nodes).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "a_b (2)",
                "a_b",
                "photo_gnp (2).exe",
                "photo_gnp.exe",
                "x_y"
            ]
        );
    }

    #[test]
    fn browsers_from_other_sites_are_told_apart_from_webdav_clients() {
        let mut h = HeaderMap::new();
        assert!(!from_a_web_page(&h));
        h.insert(header::HOST, HeaderValue::from_static("ecole.local"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://ecole.local"),
        );
        assert!(!from_a_web_page(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(from_a_web_page(&h));
        h.remove(header::ORIGIN);
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(from_a_web_page(&h));
        h.insert("sec-fetch-site", HeaderValue::from_static("none"));
        assert!(!from_a_web_page(&h));
    }

    #[test]
    fn basic_credentials_are_read_as_utf8() {
        let mut h = HeaderMap::new();
        assert_eq!(basic_credentials(&h), None);
        let encoded = STANDARD.encode("marie.curie:abcde-fghij:x");
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {encoded}"))
                .unwrap_or(HeaderValue::from_static("")),
        );
        assert_eq!(
            basic_credentials(&h),
            Some(("marie.curie".into(), "abcde-fghij:x".into()))
        );
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(basic_credentials(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic %%%"));
        assert_eq!(basic_credentials(&h), None);
    }

    #[test]
    fn removals_inside_the_removed_folder_wait_for_it() {
        let req = Request::builder()
            .method("DELETE")
            .uri("/dav/Mes%20documents/Dossier/")
            .body(Body::empty())
            .unwrap_or_default();
        let root = delete_root(&req);
        assert_eq!(
            root,
            Some(vec![b"Mes documents".to_vec(), b"Dossier".to_vec()])
        );
        let req = Request::builder()
            .method("MOVE")
            .uri("/dav/Mes%20documents/a")
            .header("destination", "https://ecole.local/dav/Mes%20documents/b")
            .body(Body::empty())
            .unwrap_or_default();
        assert_eq!(
            delete_root(&req),
            Some(vec![b"Mes documents".to_vec(), b"b".to_vec()])
        );
    }
}
