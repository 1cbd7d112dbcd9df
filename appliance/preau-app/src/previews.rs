//! What a browser may show of a file: pictures re-encoded (so no hidden content reaches
//! the page), thumbnails, and which other types are shown inline. Results are cached by
//! content digest under `<data dir>/derived`.

use crate::media::{self, Inline, MAX_PIXELS, MediaError};
use crate::{App, AppError};
use preau_core::{NodeId, Subject};
use std::io::BufReader;

/// The side of a thumbnail, in pixels.
pub const THUMB_SIDE: u32 = 256;

/// A media failure as the use cases report it: a disk failure, or a picture not found.
pub(crate) fn media_error(e: MediaError) -> AppError {
    match e {
        MediaError::Io(e) => AppError::Disk(e.to_string()),
        _ => AppError::NotFound,
    }
}

impl App {
    /// A picture file, decoded and encoded again: (bytes, media type, display name).
    pub fn picture(
        &self,
        me: &Subject,
        id: NodeId,
    ) -> Result<(Vec<u8>, &'static str, String), AppError> {
        self.derived_picture(me, id, "preview", |file| {
            media::reencode_image(BufReader::new(file), MAX_PIXELS)
        })
    }

    /// A picture file's thumbnail: (bytes, media type, display name).
    pub fn thumbnail(
        &self,
        me: &Subject,
        id: NodeId,
    ) -> Result<(Vec<u8>, &'static str, String), AppError> {
        self.derived_picture(me, id, "thumb", |file| {
            media::thumbnail(BufReader::new(file), THUMB_SIDE, MAX_PIXELS)
        })
    }

    /// A library resource's picture, decoded and encoded again: (bytes, media type).
    pub fn resource_picture(
        &self,
        me: &Subject,
        id: preau_core::ResourceId,
    ) -> Result<(Vec<u8>, &'static str), AppError> {
        let (_, revision, file) = self.open_resource_file(me, id)?;
        if media::inline_kind(&revision.mime) != Some(Inline::Image) {
            return Err(AppError::NotFound);
        }
        self.derived
            .get_or_make(&revision.blob, "preview", || {
                media::reencode_image(BufReader::new(file), MAX_PIXELS)
            })
            .map_err(media_error)
    }

    fn derived_picture(
        &self,
        me: &Subject,
        id: NodeId,
        kind: &'static str,
        make: impl FnOnce(std::fs::File) -> Result<(Vec<u8>, &'static str), MediaError>,
    ) -> Result<(Vec<u8>, &'static str, String), AppError> {
        let (node, revision, file) = self.open_file(me, id, 0)?;
        if media::inline_kind(&revision.mime) != Some(Inline::Image) {
            return Err(AppError::NotFound);
        }
        let (bytes, mime) = self
            .derived
            .get_or_make(&revision.blob, kind, || make(file))
            .map_err(media_error)?;
        Ok((bytes, mime, node.name))
    }
}
