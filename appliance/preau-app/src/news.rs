//! School news (« Actualités »): the headteacher publishes to the school's team, to every
//! family or to the families of one class, with pictures and attachments, pinned items and a
//! publication date; everyone reads what is meant for them.
//!
//! Every call asks the access decision first (`ViewNews`, `PublishNews` on the school) and,
//! for reading, the item's audience on top of it ([`NewsAudience::reaches`]): a parent never
//! sees another class's news, nobody but the publishers sees an item before its publication
//! time, and a withdrawn item is shown to no one. An item someone may not read does not exist
//! for them ([`AppError::NotFound`]).
//!
//! Bodies are stored as sanitised HTML ([`crate::rich_text::to_html`]); pictures are shown
//! only re-encoded ([`crate::media::reencode_image`]), other files are downloads.

use crate::documents::Received;
use crate::media::{self, Inline, MAX_PIXELS};
use crate::previews::{THUMB_SIDE, media_error};
use crate::{App, AppError, Problem, paris, rich_text};
use preau_core::news::{MAX_NEWS_FILES, MAX_NEWS_TITLE, Withdrawal};
use preau_core::{Action, BlobId, News, NewsAudience, NewsFile, NewsId, Subject};
use preau_store::news as db;
use preau_store::schema::random_u64;
use std::fs::File;
use std::io::BufReader;

/// What the headteacher types to publish or change a news item.
#[derive(Clone, Debug, Default)]
pub struct NewsForm {
    /// Title (plain text).
    pub title: String,
    /// Body as typed: plain text, or HTML from an editor (sanitised either way).
    pub body: String,
    /// Who it is for.
    pub audience: Option<NewsAudience>,
    /// Shown first.
    pub pinned: bool,
    /// Publication time as typed ("2026-12-04T18:00"); empty: now for a new item, unchanged
    /// for an edit.
    pub publish_at: String,
    /// Files of the item to drop (edit).
    pub remove: Vec<BlobId>,
}

/// How a picture of a news item is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PictureSize {
    /// As sent (re-encoded).
    Full,
    /// A thumbnail for lists.
    Thumbnail,
}

/// Whether a news file is a picture shown in the page (otherwise it is an attachment).
pub fn is_picture(file: &NewsFile) -> bool {
    media::inline_kind(&file.mime) == Some(Inline::Image)
}

impl App {
    /// Whether `me` may read the school's news at all.
    pub fn may_read_news(&self, me: &Subject) -> bool {
        self.directory().can_on_school(me, Action::ViewNews)
    }

    /// Whether `me` may publish, change and withdraw news.
    pub fn may_publish_news(&self, me: &Subject) -> bool {
        self.directory().can_on_school(me, Action::PublishNews)
    }

    /// Refuses (403) anyone who may not publish news — checked before receiving files.
    pub fn check_news_publisher(&self, me: &Subject) -> Result<(), AppError> {
        if self.may_publish_news(me) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Whether `me` may read `news` now: the access decision, the audience, the
    /// publication time (publishers see scheduled items), and never a withdrawn item.
    fn sees(&self, me: &Subject, news: &News, now: i64) -> bool {
        news.school == self.directory().uai()
            && news.withdrawn.is_none()
            && self.may_read_news(me)
            && news.audience.reaches(me)
            && (news.publish_at <= now || self.may_publish_news(me))
    }

    /// The news `me` may read, pinned first then newest first; at most `limit` items.
    pub fn news(&self, me: &Subject, limit: Option<usize>) -> Result<Vec<News>, AppError> {
        if !self.may_read_news(me) {
            return Err(AppError::Forbidden);
        }
        let now = self.now();
        let mut list: Vec<News> = db::all_news(&self.store.read()?)?
            .into_iter()
            .filter(|n| self.sees(me, n, now))
            .collect();
        list.sort_by_key(News::order_key);
        list.truncate(limit.unwrap_or(usize::MAX));
        Ok(list)
    }

    /// One news item `me` may read.
    pub fn news_item(&self, me: &Subject, id: NewsId) -> Result<News, AppError> {
        let news: News = self.store.read()?.get(id.0)?.ok_or(AppError::NotFound)?;
        if !self.sees(me, &news, self.now()) {
            return Err(AppError::NotFound);
        }
        Ok(news)
    }

    /// The audiences the headteacher may choose, with their French labels.
    pub fn news_audiences(&self) -> Vec<(NewsAudience, String)> {
        let mut out = vec![NewsAudience::Families, NewsAudience::Team];
        out.extend(
            self.directory()
                .current_classes()
                .iter()
                .map(|c| NewsAudience::ClassFamilies(c.id)),
        );
        out.into_iter()
            .map(|a| (a, self.news_audience_label(a)))
            .collect()
    }

    /// An audience in French ("Toutes les familles", "Familles de la classe CP de Mme …").
    pub fn news_audience_label(&self, audience: NewsAudience) -> String {
        match audience {
            NewsAudience::Team => "L'équipe de l'école".into(),
            NewsAudience::Families => "Toutes les familles".into(),
            NewsAudience::ClassFamilies(class) => match self.directory().class(class) {
                Some(c) => format!("Familles de la classe {}", c.name),
                None => "Familles d'une classe".into(),
            },
        }
    }

    /// Publishes a news item with the files received for it.
    pub fn publish_news(
        &self,
        me: &Subject,
        form: &NewsForm,
        files: &[(String, Received)],
    ) -> Result<News, AppError> {
        self.check_news_publisher(me)?;
        let now = self.now();
        let mut news = News {
            id: NewsId(random_u64()),
            school: self.directory().uai().to_string(),
            audience: NewsAudience::Families,
            title: String::new(),
            body: String::new(),
            files: Vec::new(),
            pinned: false,
            publish_at: now,
            author: me.user,
            created_at: now,
            updated_at: now,
            withdrawn: None,
        };
        self.apply(&mut news, form, files)?;
        self.store.write(|w| -> Result<News, AppError> {
            db::save_news(w, &news)?;
            self.audit(w, Some(me), "publish news", news.id.to_string())?;
            Ok(news)
        })
    }

    /// Changes a news item (text, audience, pin, date, files).
    pub fn update_news(
        &self,
        me: &Subject,
        id: NewsId,
        form: &NewsForm,
        files: &[(String, Received)],
    ) -> Result<News, AppError> {
        self.check_news_publisher(me)?;
        let now = self.now();
        self.store.write(|w| -> Result<News, AppError> {
            let mut news: News = w.get(id.0)?.ok_or(AppError::NotFound)?;
            if !self.sees(me, &news, now) {
                return Err(AppError::NotFound);
            }
            self.apply(&mut news, form, files)?;
            news.updated_at = now;
            db::save_news(w, &news)?;
            self.audit(w, Some(me), "update news", id.to_string())?;
            Ok(news)
        })
    }

    /// Withdraws a news item: it stays as a record (for central's copy), shown to no one.
    pub fn withdraw_news(&self, me: &Subject, id: NewsId) -> Result<(), AppError> {
        self.check_news_publisher(me)?;
        let now = self.now();
        self.store.write(|w| -> Result<(), AppError> {
            let mut news: News = w.get(id.0)?.ok_or(AppError::NotFound)?;
            if !self.sees(me, &news, now) {
                return Err(AppError::NotFound);
            }
            news.withdrawn = Some(Withdrawal {
                at: now,
                by: me.user,
            });
            news.updated_at = now;
            db::save_news(w, &news)?;
            self.audit(w, Some(me), "withdraw news", id.to_string())?;
            Ok(())
        })
    }

    /// A file of a news item `me` may read, opened for download.
    pub fn news_file(
        &self,
        me: &Subject,
        id: NewsId,
        blob: BlobId,
    ) -> Result<(News, NewsFile, File), AppError> {
        let news = self.news_item(me, id)?;
        let file = news
            .files
            .iter()
            .find(|f| f.blob == blob)
            .cloned()
            .ok_or(AppError::NotFound)?;
        let content = self
            .blobs
            .open_blob(&blob)
            .map_err(|e| AppError::Disk(e.to_string()))?;
        Ok((news, file, content))
    }

    /// A picture of a news item, decoded and encoded again (or its thumbnail): the bytes
    /// and their media type. Files that are not pictures are not found here.
    pub fn news_picture(
        &self,
        me: &Subject,
        id: NewsId,
        blob: BlobId,
        size: PictureSize,
    ) -> Result<(Vec<u8>, &'static str), AppError> {
        let (_, file, content) = self.news_file(me, id, blob)?;
        if !is_picture(&file) {
            return Err(AppError::NotFound);
        }
        let reader = BufReader::new(content);
        match size {
            PictureSize::Full => self.derived.get_or_make(&blob, "preview", || {
                media::reencode_image(reader, MAX_PIXELS)
            }),
            PictureSize::Thumbnail => self.derived.get_or_make(&blob, "thumb", || {
                media::thumbnail(reader, THUMB_SIDE, MAX_PIXELS)
            }),
        }
        .map_err(media_error)
    }

    /// Checks a form and applies it to `news` (files dropped, then the new ones added).
    fn apply(
        &self,
        news: &mut News,
        form: &NewsForm,
        files: &[(String, Received)],
    ) -> Result<(), AppError> {
        let title = form.title.trim();
        if title.is_empty() {
            return Err(AppError::Invalid(Problem::Missing("titre")));
        }
        if title.chars().count() > MAX_NEWS_TITLE {
            return Err(AppError::Invalid(Problem::TooLong("titre")));
        }
        if form.body.len() > rich_text::MAX_BYTES {
            return Err(AppError::Invalid(Problem::TooLong("texte")));
        }
        let audience = form
            .audience
            .ok_or(AppError::Invalid(Problem::Missing("destinataires")))?;
        if let Some(class) = audience.class() {
            let dir = self.directory();
            if !dir.current_classes().iter().any(|c| c.id == class) {
                return Err(AppError::Invalid(Problem::UnknownClass));
            }
        }
        let publish_at = match form.publish_at.trim() {
            "" => news.publish_at,
            typed => paris::parse_local(typed)
                .ok_or(AppError::Invalid(Problem::Date("date de publication")))?,
        };
        news.files.retain(|f| !form.remove.contains(&f.blob));
        for (name, received) in files {
            if news.files.iter().any(|f| f.blob == received.blob.id) {
                continue;
            }
            news.files.push(NewsFile {
                name: crate::documents::clean_name(name)?,
                blob: received.blob.id,
                size: received.blob.size,
                mime: received.mime.clone(),
            });
        }
        if news.files.len() > MAX_NEWS_FILES {
            return Err(AppError::Invalid(Problem::TooManyFiles(MAX_NEWS_FILES)));
        }
        news.title = title.to_string();
        news.body = rich_text::to_html(&form.body);
        news.audience = audience;
        news.pinned = form.pinned;
        news.publish_at = publish_at;
        Ok(())
    }
}
